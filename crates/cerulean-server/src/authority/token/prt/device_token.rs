//! The device-only token (PROTOCOLS.md §5.7, roadtx `deviceauth`): a device-key-signed
//! `jwt-bearer` request whose inner `grant_type` is `device_token` gets an access token
//! for the device principal — no user — for the payload's `client_id` and `resource`.
//!
//! The device was authenticated and the nonce consumed by the caller (steps 2–4 of the
//! module docs); here the client must be known (a public client, as the broker is) and
//! the resource must resolve. The answer is the ordinary token response, plain JSON.

use cerulean_directory::{ClientId, Device};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{
    ClientAuth, ClientAuthMethod, OAuthError, TokenResponse, TokenTarget,
};
use serde_json::{Map, Value};

use super::super::super::resources::{RequestedTarget, resolve};
use super::super::TokenCtx;
use super::super::client::authenticate;
use super::super::issue::device_token;
use super::claim_str;

pub(super) async fn grant(
    ctx: &TokenCtx<'_>,
    device: &Device,
    claims: &Map<String, Value>,
) -> Result<TokenResponse, OAuthError> {
    let client_id: ClientId = claim_str(claims, "client_id")?
        .parse()
        .map_err(|_| aadsts::malformed_request("the request's client_id is not a GUID."))?;
    let target = TokenTarget {
        scope: None,
        resource: Some(claim_str(claims, "resource")?.to_owned()),
    };
    let requested =
        RequestedTarget::parse(&target)?.ok_or_else(|| aadsts::missing_parameter("resource"))?;
    authenticate(
        ctx,
        device.tenant_id,
        &ClientAuth {
            client_id: client_id.to_string(),
            client_secret: None,
            method: ClientAuthMethod::None,
        },
    )
    .await?;
    let resolved = resolve(ctx.state, device.tenant_id, &requested).await?;
    device_token(ctx, device, client_id, &resolved).await
}
