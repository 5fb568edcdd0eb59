//! The device-key-signed PRT request (PROTOCOLS.md §5.2–5.3, INTEROP.md §3.2, §3.4):
//! `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with `request=<RS256 JWT>`.
//!
//! Order of checks — everything about the device before anything about the user, and the
//! nonce only once the request is known to come from a live device (so a forged request
//! neither burns a nonce nor costs a password verification):
//!
//! 1. `request` parses as a compact JWS; `HS256` goes to the session-key-signed request
//!    ([`session`]), any other `alg` but `RS256` is refused as malformed.
//! 2. `x5c` (a string or an array; the first certificate counts) parses as a device
//!    certificate and the JWS verifies with its key.
//! 3. The certificate is byte-equal to a registered device's, was issued by that
//!    device's tenant CA and is within its validity; the device is enabled; the path's
//!    tenant segment admits the device's tenant.
//! 4. `request_nonce` is a nonce this deployment issued, unexpired, and unused
//!    ([`crate::nonce::NonceService::verify_and_consume`]).
//! 5. The inner `grant_type`: `password` (`username`, `password` go through the same
//!    lockout-aware sign-in and error mapping as ROPC; the user must belong to the
//!    device's tenant), `refresh_token` (redeemed by the request's `client_id` through
//!    the refresh grant's checks, FOCI included; a token of the device's tenant), the
//!    `jwt-bearer` Windows Hello `assertion` ([`hello_sign_in`]), or `device_token` (the device-only access token of
//!    [`device_token`], PROTOCOLS.md §5.7; no PRT).
//!
//! Steps 2–4 are [`verify_device_signed`], shared with the `x-ms-DeviceCredential` of
//! `/authorize` ([`device_credential`], PROTOCOLS.md §5.6).
//!
//! Then a fresh 32-byte session key is sealed to the device's transport key
//! (`session_key_jwe`) and, under the server's wrap key, into the PRT's store row; the
//! PRT itself is `0.` and 32 random bytes (base64url), stored only as its hash.

mod device_credential;
mod device_token;
mod response;
mod session;
mod wrap;

pub(crate) use device_credential::verify as verify_device_credential;
pub(crate) use session::verify as verify_session_jws;
pub(crate) use wrap::PrtWrapKey;

use cerulean_crypto::prt::{new_session_key, seal_session_key_at_rest, seal_session_key_jwe};
use cerulean_crypto::{
    DeviceCertificateInfo, RsaPublicKey, SecretBytes, SecretString, UnverifiedJws,
    parse_device_certificate,
};
use cerulean_directory::authority::{AuthContext, PrimaryRefreshToken, SealedSessionKey};
use cerulean_directory::user::upn_domain;
use cerulean_directory::{ActionContext, Actor, ClientId, Device, TenantId, User};
use cerulean_proto::oauth2::{
    ClientAuth, ClientAuthMethod, ErrorCode, JwtBearerCredential, JwtBearerGrant, OAuthError,
};
use cerulean_proto::{EndpointVersion, aadsts};
use serde_json::{Map, Value, json};
use time::Duration;

use super::super::secrets::{hash_secret, new_secret};
use super::super::tenant::{self, TenantScope};
use super::super::tokens::{self, Minting};
use super::client::{authenticate, shown};
use super::issue::signing_key;
use super::password::refusal;
use super::refresh::{Redeemed, Redeemer, redeem};
use super::{TokenCtx, unavailable};
use crate::nonce::NonceError;

pub(super) use response::{PrtAnswer, PrtResponse};

/// `refresh_token_expires_in` (and the string-typed lifetimes): 14 days less a second,
/// as Entra answers.
pub(crate) const PRT_LIFETIME_SECS: u64 = 1_209_599;
const PRT_LIFETIME: Duration = Duration::seconds(1_209_599);
/// Bytes of entropy in a PRT.
const PRT_BYTES: usize = 32;
/// Every PRT starts so (as Entra's `0.A…` do): roadtx takes a PRT without a `.` for base64
/// of the real one and fails to decode it as UTF-8 when it loads `roadtx.prt`.
pub(crate) const PRT_PREFIX: &str = "0.";

pub(super) async fn grant(ctx: &TokenCtx<'_>, g: JwtBearerGrant) -> Result<PrtAnswer, OAuthError> {
    let request = match &g.credential {
        JwtBearerCredential::Request(r) => r.expose().as_str(),
        JwtBearerCredential::Assertion(_) => {
            return Err(aadsts::malformed_request(
                "the jwt-bearer grant with 'assertion' (RFC 7523) is not supported yet; \
                 a PRT request is sent as 'request'.",
            ));
        }
    };
    let jws = UnverifiedJws::parse(request)
        .map_err(|_| aadsts::malformed_request("'request' is not a compact JWS."))?;
    match jws.alg() {
        Some("RS256") => {}
        Some("HS256") => return session::grant(ctx, &g, request).await,
        other => {
            return Err(aadsts::malformed_request(format_args!(
                "the PRT request must be signed with RS256 by the device key, not '{}'.",
                shown(other.unwrap_or_default())
            )));
        }
    }
    let (device, claims) = verify_device_signed(ctx, &jws).await?;
    let inner = claim_str(&claims, "grant_type")?;
    if inner == "device_token" {
        return device_token::grant(ctx, &device, &claims)
            .await
            .map(PrtAnswer::Token);
    }
    let client_id: ClientId = claim_str(&claims, "client_id")?
        .parse()
        .map_err(|_| aadsts::malformed_request("the PRT request's client_id is not a GUID."))?;
    let (user, auth, grant) = match inner {
        "password" => {
            let (user, auth) = sign_in(ctx, &claims, &device).await?;
            (user, auth, "password")
        }
        "refresh_token" => {
            let (user, auth) = redeem_refresh_token(ctx, &claims, &device, client_id).await?;
            (user, auth, "refresh_token")
        }
        JWT_BEARER_GRANT => {
            let (user, auth) = hello_sign_in(ctx, &claims, &device).await?;
            (user, auth, "hello")
        }
        other => {
            return Err(aadsts::malformed_request(format_args!(
                "the PRT request grant_type '{}' is not supported yet; only 'password', \
                 'refresh_token', a Windows Hello 'jwt-bearer' and 'device_token' are.",
                shown(other)
            )));
        }
    };
    let transport = RsaPublicKey::from_spki_der(&device.transport_key_spki)
        .map_err(|e| unavailable("the device's transport key", e))?;
    let session_key = new_session_key().map_err(|e| unavailable("session key", e))?;
    let session_key_jwe = seal_session_key_jwe(&transport, &session_key)
        .map_err(|e| unavailable("sealing the session key", e))?;
    let minted = Mint {
        device: &device,
        user: &user,
        auth: &auth,
        client_id,
        session_key: &session_key,
        session_key_jwe: Some(session_key_jwe),
        grant,
    };
    issue(ctx, &g, minted).await.map(PrtAnswer::Plain)
}

/// Steps 2–4 of the module docs for any device-key-signed JWS (the token endpoint's PRT
/// request, the `x-ms-DeviceCredential` at `/authorize`): the registered, enabled device
/// of an admitted tenant whose key signed it, and its verified claims, its
/// `request_nonce` now spent.
async fn verify_device_signed(
    ctx: &TokenCtx<'_>,
    jws: &UnverifiedJws,
) -> Result<(Device, Map<String, Value>), OAuthError> {
    let (device, claims) = authenticate_device(ctx, jws).await?;
    consume_nonce(ctx, &claims).await?;
    Ok((device, claims))
}

/// Steps 2 and 3 of the module docs: the registered, enabled device whose key signed the
/// request, and the request's verified claims.
async fn authenticate_device(
    ctx: &TokenCtx<'_>,
    jws: &UnverifiedJws,
) -> Result<(Device, Map<String, Value>), OAuthError> {
    let chain = jws
        .x5c_der()
        .map_err(|_| aadsts::malformed_request("the request's x5c is not base64 DER."))?;
    let Some(der) = chain.first() else {
        return Err(aadsts::malformed_request(
            "the PRT request carries no x5c device certificate.",
        ));
    };
    let cert = parse_device_certificate(der)
        .map_err(|_| aadsts::invalid_grant("the x5c certificate is not a device certificate."))?;
    let key = RsaPublicKey::from_spki_der(&cert.spki_der)
        .map_err(|_| aadsts::invalid_grant("the x5c certificate's key is not an RSA key."))?;
    let claims = match jws.verify_rs256(&key) {
        Ok(Value::Object(claims)) => claims,
        Ok(_) | Err(_) => {
            return Err(aadsts::invalid_grant(
                "the request's signature does not verify with the x5c certificate's key.",
            ));
        }
    };
    let state = ctx.state;
    let found = state
        .directory
        .device_by_certificate(der)
        .await
        .map_err(|e| unavailable("device lookup", e))?
        .filter(|d| d.cert_der.as_slice() == der.as_slice());
    let Some(device) = found else {
        return Err(unregistered(ctx, &cert).await);
    };
    let ca = state
        .drs
        .cas
        .get(
            &state.directory,
            state.client_cas.as_ref(),
            device.tenant_id,
        )
        .await
        .map_err(|e| unavailable("device CA", e))?;
    if cert.verify_issued_by_at(&ca, ctx.now).is_err() {
        return Err(aadsts::invalid_grant(
            "the x5c certificate was not issued by the device's tenant CA, or is outside its validity.",
        ));
    }
    if !device.enabled {
        return Err(aadsts::device_disabled());
    }
    if !ctx.admits(device.tenant_id) {
        return Err(aadsts::device_not_found(ctx.scope.segment()));
    }
    Ok((device, claims))
}

/// The refusal for a certificate that belongs to no device. A certificate that one of our
/// tenant CAs issued once named a real device that has since been deleted: Entra answers
/// that with AADSTS700003, which tells the device to stop using its join. Anything else
/// is just an invalid grant.
async fn unregistered(ctx: &TokenCtx<'_>, cert: &DeviceCertificateInfo) -> OAuthError {
    let not_registered = || {
        aadsts::invalid_grant("the x5c certificate is not the certificate of a registered device.")
    };
    let Some(tenant) = cert.tenant_id.map(TenantId::from) else {
        return not_registered();
    };
    let state = ctx.state;
    let ca = state
        .drs
        .cas
        .get(&state.directory, state.client_cas.as_ref(), tenant)
        .await;
    match ca {
        Ok(ca) if cert.verify_issued_by_at(&ca, ctx.now).is_ok() => {
            aadsts::device_not_found(tenant)
        }
        _ => not_registered(),
    }
}

/// Step 4: `request_nonce`, single use.
async fn consume_nonce(ctx: &TokenCtx<'_>, claims: &Map<String, Value>) -> Result<(), OAuthError> {
    let nonce = claims
        .get("request_nonce")
        .and_then(Value::as_str)
        .ok_or_else(|| aadsts::missing_parameter("request_nonce"))?;
    match ctx.state.nonces.verify_and_consume(nonce, ctx.now).await {
        Ok(()) => Ok(()),
        Err(NonceError::Unavailable) => Err(aadsts::temporarily_unavailable()),
        Err(e) => Err(aadsts::invalid_grant(format_args!("request_nonce: {e}."))),
    }
}

/// A string claim of the request, required.
fn claim_str<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str, OAuthError> {
    match claims.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(aadsts::malformed_request(format_args!(
            "the PRT request's '{name}' is not a string."
        ))),
        None => Err(aadsts::missing_parameter(name)),
    }
}

/// Step 5: the password sign-in, for a user of the device's tenant.
async fn sign_in(
    ctx: &TokenCtx<'_>,
    claims: &Map<String, Value>,
    device: &Device,
) -> Result<(User, AuthContext), OAuthError> {
    let upn = claim_str(claims, "username")?.trim();
    let password = SecretString::new(claim_str(claims, "password")?.to_owned());
    let domain_name = upn_domain(upn).unwrap_or_default();
    // A domain of another tenant is refused before the password is checked (no argon2id
    // cost, no lockout count against that user).
    match tenant::resolve_cached(ctx.state, &domain_name).await {
        Ok(TenantScope::Tenant(t)) if t.id != device.tenant_id => {
            return Err(aadsts::user_not_found(shown(upn), device.tenant_id));
        }
        Err(e) if e.error == ErrorCode::TemporarilyUnavailable => return Err(e),
        _ => {}
    }
    let action = ActionContext::new(Actor::Device(device.device_id.to_string()))
        .with_correlation_id(ctx.correlation_id.clone());
    let signed_in = ctx
        .state
        .directory
        .sign_in_with_password(&action, upn, &password)
        .await
        .map_err(|e| unavailable("password sign-in", e))?
        .map_err(|failure| refusal(failure, upn, &domain_name))?;
    if signed_in.user.tenant_id != device.tenant_id {
        return Err(aadsts::user_not_found(shown(upn), device.tenant_id));
    }
    let mut auth = signed_in.auth;
    // `deviceid` is the device id (the certificate's CN), as token validation reads it.
    auth.device_id = Some(device.device_id.0);
    Ok((signed_in.user, auth))
}

/// Step 5: the inner `refresh_token`, redeemed by the request's `client_id` (a public
/// client of the device's tenant; FOCI lets the broker redeem the Azure CLI's token)
/// through the same consumption and checks as the refresh grant
/// ([`super::refresh::redeem`]); the token must belong to the device's tenant. The PRT
/// inherits the token's sign-in (`amr`, `auth_time`).
async fn redeem_refresh_token(
    ctx: &TokenCtx<'_>,
    claims: &Map<String, Value>,
    device: &Device,
    client_id: ClientId,
) -> Result<(User, AuthContext), OAuthError> {
    let refresh_token = claim_str(claims, "refresh_token")?;
    let client = authenticate(
        ctx,
        device.tenant_id,
        &ClientAuth {
            client_id: client_id.to_string(),
            client_secret: None,
            method: ClientAuthMethod::None,
        },
    )
    .await?;
    let Redeemed { token, user, .. } = redeem(
        ctx,
        refresh_token,
        Some(device.tenant_id),
        Redeemer::Authenticated(client),
    )
    .await?;
    let mut auth = token.auth;
    auth.device_id = Some(device.device_id.0);
    Ok((user, auth))
}

/// The inner grant of a Windows Hello (or user certificate) `assertion`.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Clock skew allowed on the Hello assertion's `iat`/`exp`.
const HELLO_SKEW_SECS: i64 = 300;
/// The longest `exp - iat` a Hello assertion may span (roadtx signs ±1 hour).
const HELLO_MAX_SPAN_SECS: i64 = 3 * 3600;

/// Step 5: a Windows Hello `assertion` (PROTOCOLS.md §5.2): header `alg: RS256`,
/// `use: "ngc"`, `kid` = standard base64 of SHA-256 of the registered `kngc` blob (looked
/// up in the device's tenant); RS256-verified with that key; `iss` = the key owner's UPN,
/// `request_nonce` equal to the (already consumed) outer one, `iat`/`exp` current. The
/// owner must be enabled. `amr`: `rsa`, `ngcmfa`; `auth_time` now.
async fn hello_sign_in(
    ctx: &TokenCtx<'_>,
    claims: &Map<String, Value>,
    device: &Device,
) -> Result<(User, AuthContext), OAuthError> {
    let assertion = claim_str(claims, "assertion")?;
    let outer_nonce = claim_str(claims, "request_nonce")?;
    let jws = UnverifiedJws::parse(assertion).map_err(|_| {
        aadsts::malformed_request("the Windows Hello assertion is not a compact JWS.")
    })?;
    if jws.alg() != Some("RS256") || jws.header_str("use") != Some("ngc") {
        return Err(aadsts::malformed_request(
            "the PRT request assertion must be a Windows Hello assertion (RS256, use 'ngc'); \
             other assertions are not supported yet.",
        ));
    }
    let kid = jws
        .kid()
        .ok_or_else(|| aadsts::invalid_grant("the Windows Hello assertion has no kid."))?;
    let key = ctx
        .state
        .directory
        .hello_key_by_hash(device.tenant_id, kid)
        .await
        .map_err(|e| unavailable("Windows Hello key lookup", e))?
        .ok_or_else(|| aadsts::invalid_grant("the Windows Hello key is not registered."))?;
    let public = RsaPublicKey::from_spki_der(&key.public_key_spki)
        .map_err(|e| unavailable("the Windows Hello key", e))?;
    let Ok(Value::Object(payload)) = jws.verify_rs256(&public) else {
        return Err(aadsts::invalid_grant(
            "the Windows Hello assertion's signature does not verify with the registered key.",
        ));
    };
    if payload.get("request_nonce").and_then(Value::as_str) != Some(outer_nonce) {
        return Err(aadsts::invalid_grant(
            "the Windows Hello assertion's request_nonce is not the request's.",
        ));
    }
    let now = ctx.now.unix_timestamp();
    let iat = payload.get("iat").and_then(Value::as_i64);
    let exp = payload.get("exp").and_then(Value::as_i64);
    match (iat, exp) {
        (Some(iat), Some(exp))
            if iat <= now.saturating_add(HELLO_SKEW_SECS)
                && exp > now.saturating_sub(HELLO_SKEW_SECS)
                && exp > iat
                && exp.saturating_sub(iat) <= HELLO_MAX_SPAN_SECS => {}
        _ => {
            return Err(aadsts::invalid_grant(
                "the Windows Hello assertion is expired, not yet valid, or lacks iat/exp.",
            ));
        }
    }
    let user = ctx
        .state
        .directory
        .store()
        .user(device.tenant_id, key.user_id)
        .await
        .map_err(|e| unavailable("user lookup", e))?
        .ok_or_else(|| aadsts::user_not_found(key.user_id, device.tenant_id))?;
    let iss = payload
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !iss.trim().eq_ignore_ascii_case(&user.upn) {
        return Err(aadsts::invalid_grant(
            "the Windows Hello assertion's iss is not the key owner's UPN.",
        ));
    }
    if !user.enabled {
        return Err(aadsts::user_disabled());
    }
    let auth = AuthContext {
        tenant_id: device.tenant_id,
        user_id: user.id,
        amr: vec!["rsa".to_owned(), "ngcmfa".to_owned()],
        auth_time: ctx.now,
        device_id: Some(device.device_id.0),
    };
    Ok((user, auth))
}

/// What a new PRT is minted from.
struct Mint<'a> {
    device: &'a Device,
    user: &'a User,
    auth: &'a AuthContext,
    client_id: ClientId,
    session_key: &'a SecretBytes,
    /// The session key sealed to the transport key: a new key only (renewals keep the
    /// old one and leave it out, as libhimmelblau expects).
    session_key_jwe: Option<String>,
    /// The grant named in the audit event.
    grant: &'static str,
}

/// Mints a PRT bound to the session key and the id token; stores the PRT; audits
/// `prt.issue`.
async fn issue(
    ctx: &TokenCtx<'_>,
    g: &JwtBearerGrant,
    m: Mint<'_>,
) -> Result<PrtResponse, OAuthError> {
    let state = ctx.state;
    let Mint {
        device,
        user,
        auth,
        client_id,
        session_key,
        session_key_jwe,
        grant,
    } = m;
    let wrap_key = state
        .authority
        .prt_wrap_key
        .get(&state.directory)
        .await
        .map_err(|e| unavailable("PRT wrap key", e))?;
    let (random, _) = new_secret(PRT_BYTES).map_err(|e| unavailable("PRT", e))?;
    let prt = format!("{PRT_PREFIX}{random}");
    let token_hash = hash_secret(&prt);
    let sealed = seal_session_key_at_rest(wrap_key, session_key, token_hash.as_bytes())
        .map_err(|e| unavailable("sealing the session key at rest", e))?;
    let row = PrimaryRefreshToken {
        token_hash,
        tenant_id: device.tenant_id,
        user_id: user.id,
        device_object_id: device.object_id,
        sealed_session_key: SealedSessionKey(sealed),
        amr: auth.amr.clone(),
        auth_time: auth.auth_time,
        created_at: ctx.now,
        expires_at: ctx.now + PRT_LIFETIME,
        revoked: false,
    };
    state
        .directory
        .store()
        .insert_primary_refresh_token(&row)
        .await
        .map_err(|e| unavailable("storing a PRT", e))?;

    let key = signing_key(ctx, user.tenant_id).await?;
    let minting = Minting {
        base: ctx.base.as_str(),
        now: ctx.now,
        ip: ctx.ip.clone(),
    };
    let claims = tokens::id_token(
        &minting,
        user,
        auth,
        &client_id,
        EndpointVersion::V1,
        None,
        state.authority.lifetimes.id_token,
    );
    let id_token = key
        .sign(&claims, true)
        .map_err(|e| unavailable("signing", e))?;

    audit_issue(ctx, g, device, user, &client_id, grant).await;
    let expires_on = ctx
        .now
        .unix_timestamp()
        .saturating_add(PRT_LIFETIME.whole_seconds());
    Ok(PrtResponse {
        token_type: "Bearer",
        expires_in: PRT_LIFETIME_SECS.to_string(),
        ext_expires_in: PRT_LIFETIME_SECS.to_string(),
        expires_on: expires_on.to_string(),
        refresh_token: prt,
        refresh_token_expires_in: PRT_LIFETIME_SECS,
        session_key_jwe,
        id_token,
        client_info: g
            .options
            .client_info
            .then(|| client_info(user, device.tenant_id)),
        device_tenant_id: device.tenant_id.to_string(),
    })
}

fn client_info(user: &User, tenant: TenantId) -> String {
    cerulean_proto::oauth2::ClientInfo {
        uid: user.id.0,
        utid: tenant.0,
    }
    .encode()
}

/// `prt.issue`: who, on which device, for which client. No token, key or password.
async fn audit_issue(
    ctx: &TokenCtx<'_>,
    g: &JwtBearerGrant,
    device: &Device,
    user: &User,
    client_id: &ClientId,
    grant: &str,
) {
    let event = ActionContext::new(Actor::User(user.id.to_string()))
        .with_correlation_id(ctx.correlation_id.clone())
        .event(
            ctx.now,
            Some(device.tenant_id),
            "prt.issue",
            format!("device:{}", device.object_id),
            json!({
                "deviceId": device.device_id,
                "userId": user.id,
                "clientId": client_id,
                "grant": grant,
                "windowsApiVersion": g.windows_api_version.as_deref().map(shown),
                "tgtRequested": g.tgt,
            }),
        );
    if let Err(e) = ctx.state.directory.store().record_audit(&event).await {
        tracing::error!("recording prt.issue failed: {e}");
    }
}
