//! Session-key-signed requests at the token endpoint (PROTOCOLS.md §5.5, INTEROP.md §3.3,
//! §3.5): `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `request=<HS256
//! JWS>` whose payload carries the PRT.
//!
//! Order of checks:
//!
//! 1. The header (`alg: HS256`, a standard-base64 `ctx`, `kdf_ver` 1/2/absent).
//! 2. The PRT from the **unverified** payload's `refresh_token`, by hash: it must exist,
//!    be unrevoked and unexpired, and belong to a tenant the path admits.
//! 3. Its session key, opened from the row (AAD = the hash), verifies the JWS under the
//!    KDF the header names.
//! 4. Freshness: `request_nonce` is consumed once; without one, `iat` (number or
//!    numeric string, as roadtx sends it) must be within five minutes of now.
//! 5. Revocation at next use: the PRT's device must still exist and be enabled, and its
//!    user exist and be enabled (fresh reads; refusals are audited as `prt.use`).
//! 6. Inner `grant_type: refresh_token`. A `scope` with `aza` renews the PRT (same
//!    session key, device, user and `amr`; a fresh 14-day expiry; the old PRT is revoked
//!    once the new one is stored); anything else gets access/id/refresh tokens for the
//!    payload's `client_id` and `resource`/`scope`, bound to the device (`deviceid`).
//!
//! The answer is the compact JWE of §5.5 under KDFv1(session key, response ctx), in
//! AES-256-CBC: libhimmelblau and AADInternals decrypt nothing else, roadtx either.

use cerulean_crypto::SecretBytes;
use cerulean_crypto::prt::{
    ResponseCipher, SessionJws, encrypt_response, open_session_key_at_rest,
};
use cerulean_directory::authority::{AuthContext, PrimaryRefreshToken};
use cerulean_directory::{ClientId, Device, User};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{
    ClientAuth, ClientAuthMethod, ErrorCode, JwtBearerGrant, OAuthError, TokenTarget,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::super::super::resources::{RequestedTarget, resolve};
use super::super::super::secrets::hash_secret;
use super::super::client::{authenticate, shown};
use super::super::issue::{UserIssue, load_user, user_tokens};
use super::super::{TokenCtx, unavailable};
use super::response::EncryptedBody;
use super::{Mint, PrtAnswer, claim_str, consume_nonce, issue};

/// How far `iat` may be from now when a request carries no nonce.
const IAT_SKEW_SECS: i64 = 300;

/// A session-key-signed JWS that passed steps 1–5: the PRT's row, its session key, the
/// verified payload, and the PRT's device and user as read now.
pub(crate) struct VerifiedPrt {
    pub row: PrimaryRefreshToken,
    pub session_key: SecretBytes,
    pub claims: Map<String, Value>,
    pub device: Device,
    pub user: User,
}

impl VerifiedPrt {
    /// The PRT's sign-in, bound to its device (`deviceid` in what is issued from it).
    pub fn auth(&self) -> AuthContext {
        AuthContext {
            tenant_id: self.row.tenant_id,
            user_id: self.row.user_id,
            amr: self.row.amr.clone(),
            auth_time: self.row.auth_time,
            device_id: Some(self.device.device_id.0),
        }
    }
}

pub(super) async fn grant(
    ctx: &TokenCtx<'_>,
    g: &JwtBearerGrant,
    request: &str,
) -> Result<PrtAnswer, OAuthError> {
    let verified = verify(ctx, request).await?;
    let auth = verified.auth();
    let VerifiedPrt {
        row,
        session_key,
        claims,
        device,
        user,
    } = verified;
    let hash = row.token_hash.clone();

    let inner = claim_str(&claims, "grant_type")?;
    if inner != "refresh_token" {
        return Err(aadsts::malformed_request(format_args!(
            "the session-key-signed request's grant_type '{}' is not supported; only \
             'refresh_token' is.",
            shown(inner)
        )));
    }
    let client_id = claim_str(&claims, "client_id")?;
    let scope = optional_str(&claims, "scope")?;
    let renewal = scope.is_some_and(|s| s.split_ascii_whitespace().any(|s| s == "aza"));
    let plaintext = if renewal {
        let client_id: ClientId = client_id
            .parse()
            .map_err(|_| aadsts::malformed_request("the PRT request's client_id is not a GUID."))?;
        let mint = Mint {
            device: &device,
            user: &user,
            auth: &auth,
            client_id,
            session_key: &session_key,
            session_key_jwe: None,
            grant: "prt_renewal",
        };
        let response = issue(ctx, g, mint).await?;
        // The renewed PRT replaces this one.
        ctx.state
            .directory
            .store()
            .revoke_primary_refresh_token(&hash)
            .await
            .map_err(|e| unavailable("revoking the renewed PRT", e))?;
        serde_json::to_vec(&response).map_err(|e| unavailable("serialising a PRT", e))?
    } else {
        let target = TokenTarget {
            scope: scope.map(str::to_owned),
            resource: optional_str(&claims, "resource")?.map(str::to_owned),
        };
        access(ctx, g, client_id, &target, &user, &auth)
            .await?
            .into_bytes()
    };
    let body = encrypt_response(&session_key, &plaintext, ResponseCipher::Aes256Cbc)
        .map_err(|e| unavailable("encrypting the response", e))?;
    Ok(PrtAnswer::Encrypted(EncryptedBody(body)))
}

/// Steps 1–5 for any session-key-signed JWS carrying a PRT in `refresh_token`: the
/// token endpoint's requests and the `x-ms-RefreshTokenCredential` SSO credential at
/// `/authorize` (PROTOCOLS.md §5.6).
pub(crate) async fn verify(ctx: &TokenCtx<'_>, request: &str) -> Result<VerifiedPrt, OAuthError> {
    let jws = SessionJws::parse(request).map_err(|_| {
        aadsts::malformed_request(
            "the session-key-signed request is malformed: it needs alg HS256, a standard-base64 \
             ctx and kdf_ver 1, 2 or none.",
        )
    })?;
    let unverified = jws
        .unverified_claims()
        .map_err(|_| aadsts::malformed_request("the request's payload is not a JSON object."))?;
    let presented = claim_str(&unverified, "refresh_token")?;
    let hash = hash_secret(presented);
    let row = ctx
        .state
        .directory
        .store()
        .primary_refresh_token(&hash)
        .await
        .map_err(|e| unavailable("PRT lookup", e))?
        .filter(|row| !row.revoked && row.expires_at > ctx.now)
        .ok_or_else(aadsts::refresh_token_expired)?;
    if !ctx.admits(row.tenant_id) {
        return Err(aadsts::invalid_grant("the PRT belongs to another tenant."));
    }
    let wrap_key = ctx
        .state
        .authority
        .prt_wrap_key
        .get(&ctx.state.directory)
        .await
        .map_err(|e| unavailable("PRT wrap key", e))?;
    let session_key =
        open_session_key_at_rest(wrap_key, &row.sealed_session_key.0, hash.as_bytes())
            .map_err(|e| unavailable("opening a PRT's session key", e))?;
    let verified = match jws.verify(&session_key) {
        Ok(v) => v,
        Err(_) => {
            ctx.audit_failure(
                Some(row.tenant_id),
                "prt.use",
                format!("device:{}", row.device_object_id),
                "the request's signature does not verify with the PRT's session key",
                json!({ "userId": row.user_id }),
            )
            .await;
            return Err(aadsts::invalid_grant(
                "the request's signature does not verify with the PRT's session key.",
            ));
        }
    };
    let claims = verified.claims;
    fresh(ctx, &claims).await?;
    let (device, user) = live_device_and_user(ctx, &row).await?;
    Ok(VerifiedPrt {
        row,
        session_key,
        claims,
        device,
        user,
    })
}

/// Access, id and refresh tokens for `client_id` and the target, in the normal shape.
async fn access(
    ctx: &TokenCtx<'_>,
    g: &JwtBearerGrant,
    client_id: &str,
    target: &TokenTarget,
    user: &User,
    auth: &AuthContext,
) -> Result<String, OAuthError> {
    let requested =
        RequestedTarget::parse(target)?.ok_or_else(|| aadsts::missing_parameter("resource"))?;
    let client = authenticate(
        ctx,
        user.tenant_id,
        &ClientAuth {
            client_id: client_id.to_owned(),
            client_secret: None,
            method: ClientAuthMethod::None,
        },
    )
    .await?;
    let resolved = resolve(ctx.state, user.tenant_id, &requested).await?;
    let response = user_tokens(
        ctx,
        UserIssue {
            user,
            auth,
            client: &client,
            target: &resolved,
            nonce: None,
            family_id: Uuid::new_v4(),
            client_info: g.options.client_info,
        },
    )
    .await?;
    Ok(response.to_json())
}

/// A string claim that may be absent or JSON `null` (libhimmelblau sends `null`s).
fn optional_str<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, OAuthError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(aadsts::malformed_request(format_args!(
            "the request's '{name}' is not a string."
        ))),
    }
}

/// Step 4: a single-use nonce, or a recent `iat`.
async fn fresh(ctx: &TokenCtx<'_>, claims: &Map<String, Value>) -> Result<(), OAuthError> {
    if claims.get("request_nonce").is_some_and(|n| !n.is_null()) {
        return consume_nonce(ctx, claims).await;
    }
    let iat = match claims.get("iat") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => return Err(aadsts::missing_parameter("request_nonce")),
    }
    .ok_or_else(|| aadsts::malformed_request("the request's 'iat' is not a number."))?;
    if iat.abs_diff(ctx.now.unix_timestamp()) > IAT_SKEW_SECS.unsigned_abs() {
        return Err(aadsts::invalid_grant(
            "the request is not fresh: without a request_nonce its iat must be within 5 minutes.",
        ));
    }
    Ok(())
}

/// Step 5: the PRT's device and user, read now. Each refusal is audited.
async fn live_device_and_user(
    ctx: &TokenCtx<'_>,
    row: &PrimaryRefreshToken,
) -> Result<(Device, User), OAuthError> {
    let auth = AuthContext {
        tenant_id: row.tenant_id,
        user_id: row.user_id,
        amr: Vec::new(),
        auth_time: row.auth_time,
        device_id: None,
    };
    // Both reads at once (this is every PRT use's latency); the device is judged first.
    let store = ctx.state.directory.store();
    let (device, user) = tokio::join!(
        store.device(row.tenant_id, row.device_object_id),
        load_user(ctx, &auth)
    );
    let device = device.map_err(|e| unavailable("device lookup", e))?;
    let device = match device {
        None => {
            refuse(ctx, row, "the PRT's device no longer exists").await;
            return Err(aadsts::device_not_found(row.tenant_id));
        }
        Some(d) if !d.enabled => {
            refuse(ctx, row, "the PRT's device is disabled").await;
            return Err(aadsts::device_disabled());
        }
        Some(d) => d,
    };
    match user {
        Ok(user) => Ok((device, user)),
        Err(e) if e.error == ErrorCode::TemporarilyUnavailable => Err(e),
        Err(e) => {
            let why = if e.error_codes.first() == Some(&aadsts::code::USER_DISABLED) {
                "the PRT's user is disabled"
            } else {
                "the PRT's user no longer exists"
            };
            refuse(ctx, row, why).await;
            Err(e)
        }
    }
}

async fn refuse(ctx: &TokenCtx<'_>, row: &PrimaryRefreshToken, why: &str) {
    ctx.audit_failure(
        Some(row.tenant_id),
        "prt.use",
        format!("device:{}", row.device_object_id),
        why,
        json!({ "userId": row.user_id, "deviceObjectId": row.device_object_id }),
    )
    .await;
}
