//! `POST /EnrollmentServer/key/?api-version=1.0`: Windows Hello for Business key
//! registration (MS-KPP; PROTOCOLS.md §5.8), body `{"kngc": "<BCRYPT_RSAKEY_BLOB>"}`.
//!
//! Requirements, each refused in KPP's own error format: `Accept: application/json`
//! (else 400); `api-version` 1.x in the query or the `api-version` header, not both; a
//! DRS bearer token of a user (else 401 `invalid_token`) from a multi-factor sign-in
//! (`amr` has `mfa`, `ngcmfa` or `…/multipleauthn`, else 401 `mfa_required`) that
//! identifies the device — its `deviceid` claim or, until tokens carry one (PRT), the
//! TLS client certificate of an enabled device the user owns. The directory then checks
//! the device (enabled; a registered device's key only by its owner) and stores the key;
//! registering the same key again answers with the key as first registered.
//!
//! Success: `200 {"kid": "<GUID>", "upn": "<upn>"}` with a `request-id` header.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use cerulean_crypto::parse_bcrypt_rsa_public_blob;
use cerulean_directory::device_policy::amr_has_mfa;
use cerulean_directory::{
    ActionContext, Actor, DeviceId, DeviceRefusal, DirectoryError, NewHelloKey,
};
use cerulean_proto::drs::key_registration::{MAX_KEY_REGISTRATION_LEN, accept_is_json};
use cerulean_proto::drs::{KeyRegistrationRequest, KeyRegistrationResponse, KppError};
use http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};

use super::auth::{self, DrsUser};
use super::respond::{ApiVersion, json_response, kpp_error, trace_id};
use crate::app::AppState;
use crate::authority::realm::query_value;
use crate::middleware::observe::CorrelationId;

/// A refused registration and what failed (`target` in the error body).
struct Refused {
    error: KppError,
    target: &'static str,
}

impl Refused {
    fn new(error: KppError, target: &'static str) -> Self {
        Self { error, target }
    }
}

/// `POST /EnrollmentServer/key`.
pub async fn register_key(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    correlation: CorrelationId,
    headers: HeaderMap,
    extensions: Extensions,
    body: Body,
) -> Response {
    let now = state.directory.clock().now();
    let client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let answer = run(
        &state,
        query.as_deref(),
        &headers,
        &extensions,
        body,
        &correlation,
    );
    match answer.await {
        Ok(body) => {
            let mut response = json_response(StatusCode::OK, body);
            if let Ok(id) = HeaderValue::from_str(&trace_id(&correlation).to_string()) {
                response.headers_mut().insert("request-id", id);
            }
            response
        }
        Err(refused) => kpp_error(
            &refused.error,
            refused.target,
            client_request_id.as_deref(),
            &correlation,
            now,
        ),
    }
}

async fn run(
    state: &AppState,
    query: Option<&str>,
    headers: &HeaderMap,
    extensions: &Extensions,
    body: Body,
    correlation: &CorrelationId,
) -> Result<String, Refused> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    if !accept_is_json(accept) {
        return Err(Refused::new(
            KppError::invalid_request("Send Accept: application/json."),
            "accept",
        ));
    }
    check_version(query, headers)?;
    let caller = auth::user_token(state, headers)
        .await
        .map_err(|e| Refused::new(e.to_kpp(), "token"))?;
    let amr = caller.token.claims.amr.clone().unwrap_or_default();
    if !amr_has_mfa(&amr) {
        return Err(Refused::new(KppError::mfa_required(), "token"));
    }
    let device_id = token_device(state, &caller, extensions).await?;
    let bytes = axum::body::to_bytes(body, MAX_KEY_REGISTRATION_LEN + 1)
        .await
        .map_err(|_| {
            Refused::new(
                KppError::invalid_request(format!(
                    "The request body could not be read or is larger than {MAX_KEY_REGISTRATION_LEN} bytes."
                )),
                "body",
            )
        })?;
    let request =
        KeyRegistrationRequest::parse(&bytes).map_err(|e| Refused::new(e.into(), "kngc"))?;
    let blob = request
        .kngc_blob()
        .map_err(|e| Refused::new(e.into(), "kngc"))?;
    let key = parse_bcrypt_rsa_public_blob(&blob).map_err(|e| {
        Refused::new(
            KppError::invalid_request(format!("kngc is not a usable RSA public key blob: {e}")),
            "kngc",
        )
    })?;
    let ctx = ActionContext::new(Actor::User(caller.user.id.to_string()))
        .with_correlation_id(correlation.as_str());
    let added = state
        .directory
        .add_hello_key(
            &ctx,
            NewHelloKey {
                tenant: caller.token.tenant.id,
                user: caller.user.id,
                amr,
                device_id,
                key_blob: blob,
                public_key_spki: key.spki_der().to_vec(),
            },
        )
        .await;
    match added {
        Ok(Ok(key)) => {
            Ok(KeyRegistrationResponse::new(key.key_id.0, caller.user.upn.clone()).to_json())
        }
        Ok(Err(refusal)) => Err(refused_by_directory(&refusal)),
        Err(DirectoryError::AlreadyExists { .. }) => Err(Refused::new(
            KppError {
                code: "key_already_registered",
                message: "This key is already registered to another user.".to_owned(),
                status: 409,
            },
            "kngc",
        )),
        Err(DirectoryError::Invalid { field, reason }) => Err(Refused::new(
            KppError::invalid_request(format!("invalid {field}: {reason}")),
            "kngc",
        )),
        Err(e) => {
            tracing::error!("key registration failed: {e}");
            Err(Refused::new(KppError::directory_error(), "directory"))
        }
    }
}

/// `api-version` 1.x, from the query or the header (MS-KPP allows either, not both).
fn check_version(query: Option<&str>, headers: &HeaderMap) -> Result<(), Refused> {
    let from_query = query_value(query, "api-version");
    let from_header = headers
        .get("api-version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let version = match (from_query, from_header) {
        (Some(_), Some(_)) => {
            return Err(Refused::new(
                KppError::invalid_request(
                    "Send api-version either in the query or as a header, not both.",
                ),
                "api-version",
            ));
        }
        (q, h) => q.or(h),
    };
    ApiVersion::require(version.as_deref(), (1, 0), (1, 99))
        .map(|_| ())
        .map_err(|e| Refused::new(KppError::invalid_request(e.message), "api-version"))
}

/// The device the key is for: the token's `deviceid`, else the enabled device of the
/// user whose certificate the client presented.
async fn token_device(
    state: &AppState,
    caller: &DrsUser,
    extensions: &Extensions,
) -> Result<DeviceId, Refused> {
    if let Some(id) = caller.token.device_id {
        return Ok(DeviceId(id));
    }
    let device = auth::certificate_device(state, extensions)
        .await
        .map_err(|e| {
            tracing::error!("device lookup for key registration: {e}");
            Refused::new(KppError::directory_error(), "directory")
        })?
        .filter(|d| {
            d.enabled
                && d.tenant_id == caller.token.tenant.id
                && d.owner_user_id == Some(caller.user.id)
        });
    device.map(|d| d.device_id).ok_or_else(|| {
        Refused::new(
            KppError::invalid_token(
                "The token names no device (deviceid claim) and no certificate of an enabled \
                 device registered to this user was presented.",
            ),
            "token",
        )
    })
}

fn refused_by_directory(refusal: &DeviceRefusal) -> Refused {
    let error = match refusal {
        DeviceRefusal::MfaRequired => KppError::mfa_required(),
        DeviceRefusal::UserNotFound | DeviceRefusal::UserDisabled => {
            KppError::invalid_token(refusal.message())
        }
        DeviceRefusal::DeviceDisabled | DeviceRefusal::NotDeviceOwner => KppError {
            code: refusal.code(),
            message: refusal.message(),
            status: 403,
        },
        _ => KppError {
            code: refusal.code(),
            message: refusal.message(),
            status: 400,
        },
    };
    Refused::new(error, "device")
}
