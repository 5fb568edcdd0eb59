//! DRS error bodies (MS-DVRJ `ErrorDetails`; PROTOCOLS.md §4.5):
//!
//! ```json
//! {"ErrorType": "AuthenticationError", "Message": "…", "TraceId": "<GUID>", "Time": "2025-01-31T08:09:10Z"}
//! ```
//!
//! The only `ErrorType` in the specification is `AuthenticationError`. Entra's strings
//! for "quota exceeded", "not allowed to join" and the rest are not in any public
//! source; the ones below are ours (`QuotaExceeded`, `AuthorizationError`, …) and may
//! differ from Entra's. Windows maps failures to DSREG HRESULTs by a table that is not
//! published either, so the HTTP status is what matters most.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::join::JoinRequestError;

/// The `ErrorType` values Cerulean emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DrsErrorType {
    /// 401: no, expired or wrong-audience token; wrong tenant; missing client
    /// certificate; MFA required.
    AuthenticationError,
    /// 403: the user (or device) may not do this (join policy, a device changing another).
    AuthorizationError,
    /// 403: the user's device quota is used up (Entra's exact string is unknown).
    QuotaExceeded,
    /// 400: malformed body, CSR, key blob or unsupported join type.
    InvalidRequest,
    /// 404: no such device.
    DeviceNotFound,
    /// 404: no organization has this domain or tenant id (discovery, nonce).
    TenantNotFound,
    /// 406: discovery asked for a format other than JSON or XML (MS-DVRD §3.1.5.1.1.3).
    NotAcceptable,
    /// 500: the directory failed; the message never carries internals.
    DirectoryError,
}

impl DrsErrorType {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthenticationError => "AuthenticationError",
            Self::AuthorizationError => "AuthorizationError",
            Self::QuotaExceeded => "QuotaExceeded",
            Self::InvalidRequest => "InvalidRequest",
            Self::DeviceNotFound => "DeviceNotFound",
            Self::TenantNotFound => "TenantNotFound",
            Self::NotAcceptable => "NotAcceptable",
            Self::DirectoryError => "DirectoryError",
        }
    }

    /// The HTTP status answered with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::AuthenticationError => 401,
            Self::AuthorizationError | Self::QuotaExceeded => 403,
            Self::InvalidRequest => 400,
            Self::DeviceNotFound | Self::TenantNotFound => 404,
            Self::NotAcceptable => 406,
            Self::DirectoryError => 500,
        }
    }
}

impl fmt::Display for DrsErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A DRS error: type and user-facing message. Stamped with a trace id and time at the
/// HTTP boundary ([`DrsError::to_body`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct DrsError {
    /// `ErrorType`.
    pub error_type: DrsErrorType,
    /// `Message`: says what happened and, where possible, what to do.
    pub message: String,
}

impl DrsError {
    /// Any error.
    pub fn new(error_type: DrsErrorType, message: impl Into<String>) -> Self {
        Self {
            error_type,
            message: message.into(),
        }
    }

    /// 401 `AuthenticationError`.
    pub fn authentication(message: impl Into<String>) -> Self {
        Self::new(DrsErrorType::AuthenticationError, message)
    }

    /// 401 `AuthenticationError`: the token lacks the MFA the policy requires.
    pub fn mfa_required() -> Self {
        Self::authentication(
            "Multi-factor authentication is required to join or register devices. Sign in again with MFA.",
        )
    }

    /// 403 `AuthorizationError`.
    pub fn authorization(message: impl Into<String>) -> Self {
        Self::new(DrsErrorType::AuthorizationError, message)
    }

    /// 403 `AuthorizationError`: device registration policy forbids this user to join.
    pub fn not_allowed_to_join() -> Self {
        Self::authorization(
            "You are not allowed to join devices to this organization. Ask an administrator to allow you in the device registration policy.",
        )
    }

    /// 403 `AuthorizationError`: policy forbids this user to register devices.
    pub fn not_allowed_to_register() -> Self {
        Self::authorization(
            "You are not allowed to register devices in this organization. Ask an administrator to allow you in the device registration policy.",
        )
    }

    /// 403 `QuotaExceeded`.
    pub fn quota_exceeded(limit: u32) -> Self {
        Self::new(
            DrsErrorType::QuotaExceeded,
            format!(
                "You have reached the limit of {limit} devices per user. Remove a device you no longer use, or ask an administrator to raise the quota."
            ),
        )
    }

    /// 400 `InvalidRequest`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(DrsErrorType::InvalidRequest, message)
    }

    /// 400 `InvalidRequest` (alias of [`invalid_request`](Self::invalid_request)).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::invalid_request(message)
    }

    /// 404 `DeviceNotFound`.
    pub fn device_not_found() -> Self {
        Self::new(
            DrsErrorType::DeviceNotFound,
            "The device does not exist in this organization.",
        )
    }

    /// 404 `TenantNotFound`: `name` (as the client sent it) is neither a verified domain
    /// nor a tenant id here.
    pub fn tenant_not_found(name: &str) -> Self {
        let shown: String = name.chars().filter(|c| !c.is_control()).take(256).collect();
        Self::new(
            DrsErrorType::TenantNotFound,
            format!(
                "No organization with the domain or tenant id '{shown}' is registered here. Check the domain of your work account."
            ),
        )
    }

    /// 406 `NotAcceptable`: discovery answers only `application/json` or XML.
    pub fn not_acceptable() -> Self {
        Self::new(
            DrsErrorType::NotAcceptable,
            "The discovery document is available as application/json or application/xml only.",
        )
    }

    /// 500 `DirectoryError`, with a fixed message (details go to the log, not the client).
    pub fn directory_error() -> Self {
        Self::new(
            DrsErrorType::DirectoryError,
            "The directory could not complete the request. Try again later.",
        )
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        self.error_type.http_status()
    }

    /// The wire body, with `TraceId` and `Time` (ISO 8601, UTC, whole seconds).
    pub fn to_body(&self, trace_id: Uuid, now: OffsetDateTime) -> DrsErrorBody {
        DrsErrorBody {
            error_type: self.error_type.as_str().to_owned(),
            message: self.message.clone(),
            trace_id: trace_id.to_string(),
            time: iso8601(now),
        }
    }

    /// The JSON of [`to_body`](Self::to_body).
    pub fn to_json(&self, trace_id: Uuid, now: OffsetDateTime) -> String {
        serde_json::to_string(&self.to_body(trace_id, now)).unwrap_or_else(|_| String::from("{}"))
    }
}

impl From<JoinRequestError> for DrsError {
    fn from(e: JoinRequestError) -> Self {
        Self::invalid_request(e.to_string())
    }
}

/// The `ErrorDetails` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrsErrorBody {
    /// `ErrorType`.
    #[serde(rename = "ErrorType", default)]
    pub error_type: String,
    /// `Message`.
    #[serde(rename = "Message", default)]
    pub message: String,
    /// `TraceId` (GUID).
    #[serde(rename = "TraceId", default)]
    pub trace_id: String,
    /// `Time` (ISO 8601).
    #[serde(rename = "Time", default)]
    pub time: String,
}

/// `2025-01-31T08:09:10Z`.
pub(crate) fn iso8601(now: OffsetDateTime) -> String {
    let t = now.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use time::macros::datetime;

    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(DrsError::authentication("x").http_status(), 401);
        assert_eq!(DrsError::mfa_required().http_status(), 401);
        assert_eq!(DrsError::not_allowed_to_join().http_status(), 403);
        assert_eq!(DrsError::quota_exceeded(50).http_status(), 403);
        assert_eq!(DrsError::invalid_request("x").http_status(), 400);
        assert_eq!(DrsError::bad_request("x").http_status(), 400);
        assert_eq!(DrsError::device_not_found().http_status(), 404);
        assert_eq!(DrsError::tenant_not_found("x.test").http_status(), 404);
        assert!(
            DrsError::tenant_not_found("x.test")
                .message
                .contains("'x.test'")
        );
        assert_eq!(DrsError::not_acceptable().http_status(), 406);
        assert_eq!(DrsError::directory_error().http_status(), 500);
        assert!(DrsError::quota_exceeded(50).message.contains("50"));
    }

    #[test]
    fn body_shape() -> Result<(), serde_json::Error> {
        let e = DrsError::from(JoinRequestError::HybridJoinUnsupported);
        let v: Value =
            serde_json::from_str(&e.to_json(Uuid::nil(), datetime!(2025-01-31 09:09:10.5 +01:00)))?;
        assert_eq!(
            v,
            json!({
                "ErrorType": "InvalidRequest",
                "Message": "JoinType 6: hybrid join needs on-premises AD and is not supported",
                "TraceId": "00000000-0000-0000-0000-000000000000",
                "Time": "2025-01-31T08:09:10Z"
            })
        );
        assert_eq!(e.to_string(), format!("InvalidRequest: {}", e.message));
        Ok(())
    }
}
