//! The device authorization endpoint (RFC 8628 §3.1–3.2): `POST /{t}/oauth2/devicecode`
//! (v1, `resource`) and `POST /{t}/oauth2/v2.0/devicecode` (v2, `scope`).
//!
//! The user code is eight letters `ABCD-EFGH` from an alphabet without vowels (no words)
//! and without `I`/`O` (no confusion with digits). The verification page is the sign-in
//! pages' `{base}/common/oauth2/deviceauth`. `expires_in` and `interval` are JSON numbers
//! (libhimmelblau types them `u32`, msal-node does arithmetic on them).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use cerulean_crypto::random_bytes;
use cerulean_directory::authority::{DeviceCode, DeviceCodeState};
use cerulean_directory::{ClientId, StoreError};
use cerulean_proto::oauth2::{DeviceCodeRequest, DeviceCodeResponse, OAuthError};
use cerulean_proto::{EndpointVersion, aadsts};
use http::{HeaderValue, StatusCode, header};

use super::errors::OAuthResponse;
use super::resources::{RequestedTarget, resolve};
use super::secrets::new_secret;
use super::tenant::{self, TenantScope};
use super::token::unavailable;
use crate::app::AppState;
use crate::middleware::observe::CorrelationId;
use crate::public_url::PublicBase;

/// Letters of user codes: consonants without ambiguous shapes.
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Attempts at a user code before giving up (a collision needs two live codes with the
/// same one of 20^8 values).
const ATTEMPTS: usize = 5;
/// Where the user goes; served by the sign-in pages.
pub const VERIFICATION_PATH: &str = "/common/oauth2/deviceauth";

/// `POST /{tenant}/oauth2/devicecode`.
pub(super) async fn devicecode_v1(
    state: State<AppState>,
    segment: Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
    body: Bytes,
) -> Response {
    devicecode(state, segment, base, correlation, body, EndpointVersion::V1).await
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(super) async fn devicecode_v2(
    state: State<AppState>,
    segment: Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
    body: Bytes,
) -> Response {
    devicecode(state, segment, base, correlation, body, EndpointVersion::V2).await
}

async fn devicecode(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
    body: Bytes,
    version: EndpointVersion,
) -> Response {
    match issue(&state, &segment, &base, &body, version).await {
        Ok(answer) => {
            let mut response = (StatusCode::OK, axum::Json(answer)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => OAuthResponse::traced(e, correlation.as_str()).into_response(),
    }
}

async fn issue(
    state: &AppState,
    segment: &str,
    base: &PublicBase,
    body: &[u8],
    version: EndpointVersion,
) -> Result<DeviceCodeResponse, OAuthError> {
    let request = DeviceCodeRequest::from_form_body(body, version)?;
    let target = RequestedTarget::parse(&request.target)?
        .ok_or_else(|| aadsts::missing_parameter("scope"))?;
    let scope = tenant::resolve_cached(state, segment).await?;
    let client_id = request
        .client_id
        .parse::<ClientId>()
        .map_err(|_| aadsts::application_not_found(shown(&request.client_id), segment))?;
    // With the tenant named, refuse what would fail at redemption now, while the user
    // has not yet typed anything. Under `common` the user's tenant decides later.
    if let TenantScope::Tenant(t) = &scope {
        let app = state
            .authority
            .cache
            .load_application(&state.directory, t.id, client_id)
            .await
            .map_err(|e| unavailable("client lookup", e))?
            .ok_or_else(|| aadsts::application_not_found(client_id, t.id))?;
        if !app.public_client {
            return Err(aadsts::client_secret_required());
        }
        resolve(state, t.id, &target).await?;
    }
    let lifetimes = &state.authority.lifetimes;
    let now = state.directory.clock().now();
    let (device_code, device_code_hash) =
        new_secret(32).map_err(|e| unavailable("device code", e))?;
    let interval = u32::try_from(lifetimes.device_code_interval.whole_seconds()).unwrap_or(5);
    let mut record = DeviceCode {
        device_code_hash,
        user_code: String::new(),
        tenant_hint: scope.segment(),
        client_id,
        scope: request.target.scope.clone(),
        resource: request.target.resource.clone(),
        v2: version == EndpointVersion::V2,
        state: DeviceCodeState::Pending,
        interval_secs: interval,
        last_polled_at: None,
        created_at: now,
        expires_at: now + lifetimes.device_code,
    };
    let mut stored = false;
    for _ in 0..ATTEMPTS {
        record.user_code = new_user_code().map_err(|e| unavailable("user code", e))?;
        match state.directory.store().insert_device_code(&record).await {
            Ok(()) => {
                stored = true;
                break;
            }
            Err(StoreError::Duplicate { .. }) => continue,
            Err(e) => return Err(unavailable("storing a device code", e)),
        }
    }
    if !stored {
        return Err(unavailable("storing a device code", "user code collisions"));
    }
    let verification_uri = base.join(VERIFICATION_PATH);
    let expires_in = u64::try_from(lifetimes.device_code.whole_seconds()).unwrap_or(900);
    let mut answer = DeviceCodeResponse::new(
        device_code,
        record.user_code.clone(),
        verification_uri.clone(),
        expires_in,
        u64::from(interval),
    );
    answer.message = format!(
        "Open {verification_uri} in a web browser and enter the code {} to sign in.",
        record.user_code
    );
    Ok(answer)
}

/// A fresh user code, `ABCD-EFGH`. Rejection sampling keeps the letters uniform.
pub fn new_user_code() -> Result<String, cerulean_crypto::CryptoError> {
    let mut letters = Vec::with_capacity(8);
    while letters.len() < 8 {
        for byte in random_bytes::<16>()? {
            // 240 = 12 × 20: bytes above it would favour the first letters.
            if byte < 240 && letters.len() < 8 {
                letters.push(ALPHABET[usize::from(byte) % ALPHABET.len()]);
            }
        }
    }
    let text = String::from_utf8_lossy(&letters).into_owned();
    Ok(format!("{}-{}", &text[..4], &text[4..]))
}

fn shown(text: &str) -> String {
    text.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_two_groups_of_unambiguous_letters() {
        for _ in 0..200 {
            let code = new_user_code().unwrap();
            assert_eq!(code.len(), 9);
            assert_eq!(&code[4..5], "-");
            assert!(
                code.bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| ALPHABET.contains(&b)),
                "{code}"
            );
        }
        assert_ne!(new_user_code().unwrap(), new_user_code().unwrap());
    }
}
