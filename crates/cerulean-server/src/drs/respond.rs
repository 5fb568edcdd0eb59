//! DRS answers: `ErrorDetails` bodies with the request's trace id, MS-KPP's error body,
//! JSON success bodies, and the `api-version` every DRS endpoint requires.
//!
//! Client errors carry a message a user (or the admin they ask) can act on. A 500 says
//! only that the directory failed; the cause is logged here, once, in the request's span.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use cerulean_directory::{DeviceRefusal, DirectoryError};
use cerulean_proto::drs::{DrsError, KppError};
use http::{HeaderValue, StatusCode, header};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::middleware::observe::CorrelationId;

/// The trace id of a DRS answer: the correlation id when it is a GUID (Entra's are), else
/// a fresh one (the middleware still echoes the client's id in `client-request-id`).
pub fn trace_id(correlation: &CorrelationId) -> Uuid {
    Uuid::parse_str(correlation.as_str()).unwrap_or_else(|_| Uuid::new_v4())
}

/// A JSON body with `status`, never cached.
pub fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A DRS error as an `ErrorDetails` response.
pub fn drs_error(error: &DrsError, correlation: &CorrelationId, now: OffsetDateTime) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    if status.is_server_error() {
        tracing::warn!(error_type = %error.error_type, "DRS request failed");
    } else {
        tracing::debug!(error_type = %error.error_type, message = %error.message, "DRS request refused");
    }
    let mut response = json_response(status, error.to_json(trace_id(correlation), now));
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// A key-registration error in MS-KPP's format; `target` names what failed (`kngc`,
/// `token`, …).
pub fn kpp_error(
    error: &KppError,
    target: &str,
    client_request_id: Option<&str>,
    correlation: &CorrelationId,
    now: OffsetDateTime,
) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    tracing::debug!(code = error.code, message = %error.message, "key registration refused");
    let body = error.to_body(target, client_request_id, trace_id(correlation), now);
    let text = serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"));
    json_response(status, text)
}

/// An empty `200 OK` (DELETE of a device, MS-DVRJ §3.1.5.1.2).
pub fn empty_ok() -> Response {
    let mut response = Response::new(Body::empty());
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Maps a directory failure: bad input is the client's (400, 403, 404), anything else is
/// logged and answered with the fixed 500 message.
pub fn directory_failure(error: &DirectoryError) -> DrsError {
    match error {
        DirectoryError::Invalid { .. } | DirectoryError::WeakPassword(_) => {
            DrsError::invalid_request(error.to_string())
        }
        DirectoryError::Forbidden(message) => DrsError::authorization(message.clone()),
        DirectoryError::NotFound { what: "device", .. } => DrsError::device_not_found(),
        DirectoryError::AlreadyExists { .. } => DrsError::invalid_request(error.to_string()),
        _ => {
            tracing::error!("DRS directory call failed: {error}");
            DrsError::directory_error()
        }
    }
}

/// Maps a refusal to the DRS error a user can act on (every message says what to do).
pub fn refusal(refusal: &DeviceRefusal) -> DrsError {
    match refusal {
        DeviceRefusal::QuotaExceeded { quota } => DrsError::quota_exceeded(*quota),
        DeviceRefusal::MfaRequired => DrsError::mfa_required(),
        DeviceRefusal::NotAllowedToJoin => DrsError::not_allowed_to_join(),
        DeviceRefusal::NotAllowedToRegister => DrsError::not_allowed_to_register(),
        DeviceRefusal::UserNotFound | DeviceRefusal::UserDisabled => {
            DrsError::authentication(refusal.message())
        }
        DeviceRefusal::DeviceNotFound => DrsError::device_not_found(),
        DeviceRefusal::DeviceDisabled | DeviceRefusal::NotDeviceOwner => {
            DrsError::authorization(refusal.message())
        }
    }
}

/// A parsed `api-version` (`major.minor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    pub major: u16,
    pub minor: u16,
    /// As sent (trimmed), e.g. for MS-DVRD's echo in the contract XML.
    pub text: String,
}

impl ApiVersion {
    /// Parses `1`, `1.0`, `2.0`, `1.9`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (major, minor) = text.split_once('.').unwrap_or((text, "0"));
        let number = |s: &str| {
            (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
        };
        Some(Self {
            major: number(major)?,
            minor: number(minor)?,
            text: text.to_owned(),
        })
    }

    /// The query's `api-version` if there is one, within `min..=max`. For the calls real
    /// clients make without it: roadtx's device DELETE sends no query at all.
    pub fn optional(
        value: Option<&str>,
        min: (u16, u16),
        max: (u16, u16),
    ) -> Result<Option<Self>, DrsError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            some => Self::require(some, min, max).map(Some),
        }
    }

    /// The query's `api-version`, required to be within `min..=max` (as `(major, minor)`).
    pub fn require(
        value: Option<&str>,
        min: (u16, u16),
        max: (u16, u16),
    ) -> Result<Self, DrsError> {
        let range = format!("{}.{} to {}.{}", min.0, min.1, max.0, max.1);
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Err(DrsError::invalid_request(format!(
                "The api-version query parameter is required (supported: {range})."
            )));
        };
        let version = Self::parse(value).filter(|v| {
            let v = (v.major, v.minor);
            min <= v && v <= max
        });
        version.ok_or_else(|| {
            let shown: String = value.chars().filter(|c| !c.is_control()).take(32).collect();
            DrsError::invalid_request(format!(
                "api-version '{shown}' is not supported (supported: {range})."
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions() {
        assert_eq!(
            ApiVersion::parse("2.0").map(|v| (v.major, v.minor)),
            Some((2, 0))
        );
        assert_eq!(
            ApiVersion::parse(" 1.9 ").map(|v| v.text),
            Some("1.9".into())
        );
        assert_eq!(
            ApiVersion::parse("1").map(|v| (v.major, v.minor)),
            Some((1, 0))
        );
        for bad in ["", "x", "1.x", "1.0.0", "-1.0", "1.", "99999.0"] {
            assert_eq!(ApiVersion::parse(bad), None, "{bad}");
        }
        assert!(ApiVersion::require(Some("3.0"), (1, 0), (3, 0)).is_ok());
        let missing = ApiVersion::require(None, (1, 0), (3, 0)).unwrap_err();
        assert!(missing.message.contains("required"), "{}", missing.message);
        let high = ApiVersion::require(Some("3.1"), (1, 0), (3, 0)).unwrap_err();
        assert_eq!(high.http_status(), 400);
        assert!(high.message.contains("'3.1'") && high.message.contains("1.0 to 3.0"));
        assert!(ApiVersion::require(Some("0.9"), (1, 0), (3, 0)).is_err());
        assert_eq!(ApiVersion::optional(None, (1, 0), (3, 0)), Ok(None));
        assert_eq!(ApiVersion::optional(Some(" "), (1, 0), (3, 0)), Ok(None));
        assert!(ApiVersion::optional(Some("9.0"), (1, 0), (3, 0)).is_err());
    }
}
