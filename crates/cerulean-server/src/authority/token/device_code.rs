//! The device-code grant (RFC 8628 §3.4–3.5): polling with `device_code` or `code`, under
//! the URN or the short `device_code` grant type (INTEROP.md §3.7).
//!
//! Answers: `authorization_pending` until the user acts, `authorization_declined` when
//! they refuse, `expired_token` after the code's lifetime, `bad_verification_code` for an
//! unknown code, tokens once (the store flips an approved code to redeemed atomically, so
//! two polls cannot both get tokens), `invalid_grant` afterwards. `slow_down` is sent only
//! to clients polling clearly faster than the interval: msal-node and roadtx treat
//! `slow_down` as fatal, and a client that sleeps exactly `interval` between polls can
//! arrive a little early by our clock, so one second of tolerance is allowed.

use cerulean_directory::authority::{DeviceCode, DeviceCodeState};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{DeviceCodeGrant, OAuthError, TokenResponse, TokenTarget};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::super::resources::{Requested, RequestedTarget, resolve};
use super::super::secrets::hash_secret;
use super::client::{authenticate, parse_client_id};
use super::issue::{UserIssue, load_user, user_tokens};
use super::{TokenCtx, unavailable};

/// Polls this much earlier than the interval are still accepted.
const POLL_TOLERANCE: Duration = Duration::seconds(1);

pub(super) async fn grant(
    ctx: &TokenCtx<'_>,
    g: DeviceCodeGrant,
) -> Result<TokenResponse, OAuthError> {
    let client_id = parse_client_id(&g.client.client_id, &ctx.scope.segment())?;
    let store = ctx.state.directory.store();
    let code = store
        .poll_device_code(&hash_secret(g.device_code.expose()), ctx.now)
        .await
        .map_err(|e| unavailable("device code poll", e))?
        .ok_or_else(aadsts::bad_verification_code)?;
    if code.client_id != client_id {
        return Err(aadsts::invalid_grant(
            "the device code was issued to a different client.",
        ));
    }
    if code.expires_at <= ctx.now {
        return Err(aadsts::device_code_expired());
    }
    let auth = match code.state.clone() {
        DeviceCodeState::Pending if polled_too_soon(&code, ctx.now) => {
            return Err(aadsts::slow_down());
        }
        DeviceCodeState::Pending => return Err(aadsts::authorization_pending()),
        DeviceCodeState::Denied => return Err(aadsts::authorization_declined()),
        DeviceCodeState::Redeemed => {
            return Err(aadsts::invalid_grant(
                "the device code has already been redeemed.",
            ));
        }
        DeviceCodeState::Approved(auth) => auth,
    };
    if !ctx.admits(auth.tenant_id) {
        return Err(aadsts::invalid_grant(
            "the device code was approved in another tenant.",
        ));
    }
    let client = authenticate(ctx, auth.tenant_id, &g.client).await?;
    let user = load_user(ctx, &auth).await?;
    let target = target_of(&code, &g.target)?;
    let resolved = resolve(ctx.state, auth.tenant_id, &target).await?;
    user_tokens(
        ctx,
        UserIssue {
            user: &user,
            auth: &auth,
            client: &client,
            target: &resolved,
            nonce: None,
            family_id: Uuid::new_v4(),
            client_info: g.options.client_info,
        },
    )
    .await
}

fn polled_too_soon(code: &DeviceCode, now: OffsetDateTime) -> bool {
    let interval = Duration::seconds(i64::from(code.interval_secs));
    code.last_polled_at
        .is_some_and(|last| now - last + POLL_TOLERANCE < interval)
}

/// What the devicecode request asked for (the user approved exactly that); the poll's own
/// `scope`/`resource` only when the devicecode request had none.
fn target_of(code: &DeviceCode, poll: &TokenTarget) -> Result<RequestedTarget, OAuthError> {
    let stored = TokenTarget {
        scope: code.scope.clone(),
        resource: code.resource.clone(),
    };
    let parsed = match RequestedTarget::parse(&stored)? {
        Some(t) => Some(t),
        None => RequestedTarget::parse(poll)?,
    };
    Ok(parsed.unwrap_or(RequestedTarget {
        oidc: Default::default(),
        requested: Requested::OidcOnly,
    }))
}

#[cfg(test)]
mod tests {
    use cerulean_directory::ClientId;

    use super::*;

    #[test]
    fn slow_down_only_when_clearly_early() {
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        let code = DeviceCode {
            device_code_hash: "h".into(),
            user_code: "BCDF-GHJK".into(),
            tenant_hint: "common".into(),
            client_id: ClientId::random(),
            scope: None,
            resource: None,
            v2: true,
            state: DeviceCodeState::Pending,
            interval_secs: 5,
            last_polled_at: Some(t0),
            created_at: t0,
            expires_at: t0 + Duration::minutes(15),
        };
        assert!(polled_too_soon(&code, t0 + Duration::seconds(1)));
        assert!(polled_too_soon(&code, t0 + Duration::milliseconds(3900)));
        assert!(!polled_too_soon(&code, t0 + Duration::milliseconds(4200)));
        assert!(!polled_too_soon(&code, t0 + Duration::seconds(6)));
        let first = DeviceCode {
            last_polled_at: None,
            ..code
        };
        assert!(!polled_too_soon(&first, t0));
    }
}
