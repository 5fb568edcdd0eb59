//! The OAuth 2.0 error body, Entra flavour (PROTOCOLS.md §2.2).
//!
//! ```json
//! {"error":"invalid_grant","error_description":"AADSTS50126: …","error_codes":[50126],
//!  "timestamp":"2025-01-01 12:00:00Z","trace_id":"…","correlation_id":"…"}
//! ```
//!
//! Build values through the catalogue in [`crate::aadsts`], then stamp them with
//! [`OAuthError::with_trace`] at the HTTP boundary.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

/// The `error` member: RFC 6749 §5.2 / §4.1.2.1, RFC 8628 §3.5, OIDC Core §3.1.2.6 and the
/// Entra additions. Unknown codes from other servers parse as [`ErrorCode::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client` (HTTP 401)
    InvalidClient,
    /// `invalid_grant`
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `unsupported_response_type` (authorize endpoint)
    UnsupportedResponseType,
    /// `invalid_scope`
    InvalidScope,
    /// `invalid_resource` (Entra v1)
    InvalidResource,
    /// `interaction_required` (OIDC)
    InteractionRequired,
    /// `login_required` (OIDC, `prompt=none` without a session)
    LoginRequired,
    /// `authorization_pending` (RFC 8628)
    AuthorizationPending,
    /// `slow_down` (RFC 8628)
    SlowDown,
    /// `expired_token` (RFC 8628)
    ExpiredToken,
    /// `access_denied`
    AccessDenied,
    /// `authorization_declined` (Entra device flow)
    AuthorizationDeclined,
    /// `bad_verification_code` (Entra device flow)
    BadVerificationCode,
    /// `invalid_instance` (instance discovery)
    InvalidInstance,
    /// `temporarily_unavailable` (HTTP 503)
    TemporarilyUnavailable,
    /// `server_error` (HTTP 500)
    ServerError,
    /// Any other code a server sent (e.g. `code_expired`).
    Other(String),
}

impl ErrorCode {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidResource => "invalid_resource",
            Self::InteractionRequired => "interaction_required",
            Self::LoginRequired => "login_required",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::AccessDenied => "access_denied",
            Self::AuthorizationDeclined => "authorization_declined",
            Self::BadVerificationCode => "bad_verification_code",
            Self::InvalidInstance => "invalid_instance",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::ServerError => "server_error",
            Self::Other(s) => s,
        }
    }

    /// Parses the wire spelling; never fails.
    pub fn parse(s: &str) -> Self {
        match s {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "invalid_scope" => Self::InvalidScope,
            "invalid_resource" => Self::InvalidResource,
            "interaction_required" => Self::InteractionRequired,
            "login_required" => Self::LoginRequired,
            "authorization_pending" => Self::AuthorizationPending,
            "slow_down" => Self::SlowDown,
            "expired_token" => Self::ExpiredToken,
            "access_denied" => Self::AccessDenied,
            "authorization_declined" => Self::AuthorizationDeclined,
            "bad_verification_code" => Self::BadVerificationCode,
            "invalid_instance" => Self::InvalidInstance,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            "server_error" => Self::ServerError,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The HTTP status Entra answers with for this code.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::InvalidClient => 401,
            Self::ServerError => 500,
            Self::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

/// The JSON error body of the token, devicecode and discovery endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthErrorBody {
    /// RFC 6749 error code.
    pub error: ErrorCode,
    /// `AADSTSnnnnn: sentence.` plus, once stamped, Entra's trace trailer.
    #[serde(default)]
    pub error_description: String,
    /// The AADSTS numbers, as JSON numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<u32>,
    /// `YYYY-MM-DD HH:MM:SSZ` (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Server-side request id (GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The client's `client-request-id`, or one the server made up (GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// A help page for the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
    /// Entra's refinement (`basic_action`, `user_password_expired`, `consent_required` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suberror: Option<String>,
}

/// An OAuth error: the boxed [`OAuthErrorBody`] (kept small so `Result<_, OAuthError>` stays
/// cheap). Serialises exactly as the body; field access goes through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(transparent)]
#[error("{}: {}", .0.error, .0.error_description)]
pub struct OAuthError(Box<OAuthErrorBody>);

impl std::ops::Deref for OAuthError {
    type Target = OAuthErrorBody;
    fn deref(&self) -> &OAuthErrorBody {
        &self.0
    }
}

impl std::ops::DerefMut for OAuthError {
    fn deref_mut(&mut self) -> &mut OAuthErrorBody {
        &mut self.0
    }
}

impl From<OAuthErrorBody> for OAuthError {
    fn from(body: OAuthErrorBody) -> Self {
        Self(Box::new(body))
    }
}

impl OAuthError {
    /// An error with one AADSTS code; `sentence` is the text after `AADSTSnnnnn: `.
    pub fn new(error: ErrorCode, aadsts: u32, sentence: impl fmt::Display) -> Self {
        Self(Box::new(OAuthErrorBody {
            error,
            error_description: format!("AADSTS{aadsts}: {sentence}"),
            error_codes: vec![aadsts],
            timestamp: None,
            trace_id: None,
            correlation_id: None,
            error_uri: None,
            suberror: None,
        }))
    }

    /// The wire body.
    pub fn into_body(self) -> OAuthErrorBody {
        *self.0
    }

    /// Sets `suberror`.
    pub fn with_suberror(mut self, suberror: impl Into<String>) -> Self {
        self.suberror = Some(suberror.into());
        self
    }

    /// Sets `error_uri` to `{base}/error?code={first code}`, as Entra does.
    pub fn with_error_uri_base(mut self, base: &str) -> Self {
        if let Some(code) = self.error_codes.first() {
            self.error_uri = Some(format!("{}/error?code={code}", base.trim_end_matches('/')));
        }
        self
    }

    /// Stamps the error at the HTTP boundary: fills `timestamp`, `trace_id` and
    /// `correlation_id` and appends Entra's trailer to `error_description`. Calling it twice
    /// replaces the fields but appends the trailer only once.
    pub fn with_trace(mut self, now: OffsetDateTime, trace_id: Uuid, correlation_id: Uuid) -> Self {
        let timestamp = format_timestamp(now);
        if self.timestamp.is_none() {
            self.error_description.push_str(&format!(
                "\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
            ));
        }
        self.timestamp = Some(timestamp);
        self.trace_id = Some(trace_id.to_string());
        self.correlation_id = Some(correlation_id.to_string());
        self
    }

    /// The HTTP status to answer with (400 for most, 401 for `invalid_client`).
    pub fn http_status(&self) -> u16 {
        self.error.http_status()
    }

    /// The first AADSTS number, if any.
    pub fn aadsts(&self) -> Option<u32> {
        self.error_codes.first().copied()
    }

    /// The JSON body. Serialising this type cannot fail; an empty object is the fallback.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// Entra's error timestamp format, `2025-01-31 08:09:10Z`, in UTC.
pub fn format_timestamp(now: OffsetDateTime) -> String {
    let t = now.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
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
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamp_is_entra_shaped_and_utc() {
        let t = datetime!(2025-01-31 09:09:10 +01:00);
        assert_eq!(format_timestamp(t), "2025-01-31 08:09:10Z");
    }

    #[test]
    fn status_mapping() {
        assert_eq!(ErrorCode::InvalidClient.http_status(), 401);
        assert_eq!(ErrorCode::InvalidGrant.http_status(), 400);
        assert_eq!(ErrorCode::AuthorizationPending.http_status(), 400);
        assert_eq!(ErrorCode::ServerError.http_status(), 500);
    }

    #[test]
    fn codes_round_trip() {
        for code in [
            "invalid_grant",
            "slow_down",
            "code_expired",
            "invalid_instance",
        ] {
            assert_eq!(ErrorCode::parse(code).as_str(), code);
        }
        assert_eq!(
            ErrorCode::parse("code_expired"),
            ErrorCode::Other("code_expired".into())
        );
    }

    #[test]
    fn trace_trailer_appended_once() {
        let t = datetime!(2025-01-31 08:09:10 UTC);
        let e = OAuthError::new(ErrorCode::InvalidGrant, 70000, "Nope.")
            .with_trace(t, Uuid::nil(), Uuid::nil())
            .with_trace(t, Uuid::nil(), Uuid::nil());
        assert_eq!(e.error_description.matches("Trace ID").count(), 1);
        assert!(
            e.error_description
                .starts_with("AADSTS70000: Nope.\r\nTrace ID: ")
        );
    }
}
