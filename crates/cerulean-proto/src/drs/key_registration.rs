//! Windows Hello for Business key registration, MS-KPP (PROTOCOLS.md §5.8):
//! `POST {KeyProvisionEndpoint}?api-version=1.0` with a DRS bearer token,
//! `Accept: application/json` (required) and
//!
//! ```json
//! {"kngc": "<standard base64 BCRYPT_RSAKEY_BLOB of the NGC public key>"}
//! ```
//!
//! Success: `200 {"kid": "<GUID>", "upn": "<upn>"}` (`pctx` is an AD FS artefact and is
//! omitted). Errors use KPP's own `ErrorDetails`, different from DVRJ's:
//! `code`, `message`, `response: "ERROR_FAIL"`, `target`, `clientrequestid`, `time`,
//! `innererror {trace, context}` (the literal `"null"`). AADInternals reads the text at
//! `error.message`, which suggests Entra nests it; we send both the flat fields and an
//! `error {code, message}` object.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ci::{decode_std_b64, encode_std_b64, member};
use super::error::iso8601;

/// Largest key registration body accepted.
pub const MAX_KEY_REGISTRATION_LEN: usize = 16 * 1024;
/// Largest decoded `kngc` blob (RSA-8192 public blob is 24 + 4 + 1024 bytes).
pub const MAX_KNGC_LEN: usize = 4 * 1024;

/// Why a key registration body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRegistrationError {
    /// The body exceeds [`MAX_KEY_REGISTRATION_LEN`].
    #[error("the request body is larger than {MAX_KEY_REGISTRATION_LEN} bytes")]
    TooLarge,
    /// The body is not a JSON object.
    #[error("the request body must be a JSON object")]
    NotAnObject,
    /// `kngc` is missing or not a string.
    #[error("kngc is required and must be a string")]
    MissingKngc,
    /// `kngc` does not decode, is empty or too long.
    #[error("kngc is not a base64 key blob of acceptable size")]
    BadKngc,
}

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRegistrationRequest {
    /// Standard base64 of the NGC public key's `BCRYPT_RSAKEY_BLOB`.
    pub kngc: String,
}

impl KeyRegistrationRequest {
    /// A request for `blob` (device side).
    pub fn new(blob: &[u8]) -> Self {
        Self {
            kngc: encode_std_b64(blob),
        }
    }

    /// Parses a body (member name matched ignoring case).
    pub fn parse(body: &[u8]) -> Result<Self, KeyRegistrationError> {
        if body.len() > MAX_KEY_REGISTRATION_LEN {
            return Err(KeyRegistrationError::TooLarge);
        }
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
            return Err(KeyRegistrationError::NotAnObject);
        };
        match member(&obj, "kngc") {
            Ok(Some(Value::String(kngc))) => Ok(Self { kngc: kngc.clone() }),
            _ => Err(KeyRegistrationError::MissingKngc),
        }
    }

    /// The blob bytes (then `cerulean_crypto::parse_bcrypt_rsa_public_blob`).
    pub fn kngc_blob(&self) -> Result<Vec<u8>, KeyRegistrationError> {
        if self.kngc.len() > MAX_KNGC_LEN / 3 * 4 + 4 {
            return Err(KeyRegistrationError::BadKngc);
        }
        match decode_std_b64(&self.kngc) {
            Ok(blob) if !blob.is_empty() && blob.len() <= MAX_KNGC_LEN => Ok(blob),
            _ => Err(KeyRegistrationError::BadKngc),
        }
    }

    /// The JSON body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// Whether an `Accept` header satisfies KPP (`application/json` required; anything else
/// is answered with 400).
pub fn accept_is_json(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        })
    })
}

/// The success body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRegistrationResponse {
    /// Key id (GUID) the server assigned.
    #[serde(default)]
    pub kid: String,
    /// UPN of the user the key was registered for.
    #[serde(default)]
    pub upn: String,
    /// AD FS only; never sent by Cerulean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pctx: Option<String>,
}

impl KeyRegistrationResponse {
    /// A response for key `kid` of user `upn`.
    pub fn new(kid: Uuid, upn: impl Into<String>) -> Self {
        Self {
            kid: kid.to_string(),
            upn: upn.into(),
            pctx: None,
        }
    }

    /// The JSON body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// A KPP error: code, message and HTTP status (400 for request and directory problems,
/// 401 for token problems, as MS-KPP §3.1.5.1.1.3 says).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct KppError {
    /// `code` (our vocabulary; MS-KPP does not fix the values).
    pub code: &'static str,
    /// `message`.
    pub message: String,
    /// HTTP status.
    pub status: u16,
}

impl KppError {
    /// 400 `invalid_request`: malformed body, bad blob, wrong `Accept`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self {
            code: "invalid_request",
            message: message.into(),
            status: 400,
        }
    }

    /// 401 `invalid_token`: missing, expired or wrong-audience token, or no `deviceid` /
    /// `upn` claim.
    pub fn invalid_token(message: impl Into<String>) -> Self {
        Self {
            code: "invalid_token",
            message: message.into(),
            status: 401,
        }
    }

    /// 401 `mfa_required`: the token's `amr` lacks `ngcmfa` / `mfa`.
    pub fn mfa_required() -> Self {
        Self {
            code: "mfa_required",
            message: "Registering a Windows Hello key requires a token from a fresh multi-factor authentication (amr ngcmfa or mfa).".to_owned(),
            status: 401,
        }
    }

    /// 400 `directory_error`, fixed message.
    pub fn directory_error() -> Self {
        Self {
            code: "directory_error",
            message: "The directory could not complete the request. Try again later.".to_owned(),
            status: 400,
        }
    }

    /// The wire body. `client_request_id` is echoed from `client-request-id` if sent.
    pub fn to_body(
        &self,
        target: &str,
        client_request_id: Option<&str>,
        trace_id: Uuid,
        now: OffsetDateTime,
    ) -> KppErrorBody {
        KppErrorBody {
            code: self.code.to_owned(),
            message: self.message.clone(),
            response: "ERROR_FAIL".to_owned(),
            target: target.to_owned(),
            clientrequestid: client_request_id.unwrap_or_default().to_owned(),
            time: iso8601(now),
            innererror: KppInnerError {
                trace: trace_id.to_string(),
                context: "null".to_owned(),
            },
            error: KppNestedError {
                code: self.code.to_owned(),
                message: self.message.clone(),
            },
        }
    }
}

impl From<KeyRegistrationError> for KppError {
    fn from(e: KeyRegistrationError) -> Self {
        Self::invalid_request(e.to_string())
    }
}

/// `innererror`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KppInnerError {
    /// `trace` (MS-KPP shows the literal `"null"`; we put the trace id).
    #[serde(default)]
    pub trace: String,
    /// `context` (`"null"`).
    #[serde(default)]
    pub context: String,
}

/// The nested `error` object AADInternals reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KppNestedError {
    /// Same as the top-level `code`.
    #[serde(default)]
    pub code: String,
    /// Same as the top-level `message`.
    #[serde(default)]
    pub message: String,
}

/// The KPP `ErrorDetails` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KppErrorBody {
    /// `code`.
    #[serde(default)]
    pub code: String,
    /// `message`.
    #[serde(default)]
    pub message: String,
    /// Always `ERROR_FAIL`.
    #[serde(default)]
    pub response: String,
    /// `target`: the resource that failed (e.g. `kngc`).
    #[serde(default)]
    pub target: String,
    /// `clientrequestid`.
    #[serde(default)]
    pub clientrequestid: String,
    /// `time` (ISO 8601).
    #[serde(default)]
    pub time: String,
    /// `innererror`.
    #[serde(default)]
    pub innererror: KppInnerError,
    /// `error` (for readers of the nested form).
    #[serde(default)]
    pub error: KppNestedError,
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn request_round_trip() -> Result<(), KeyRegistrationError> {
        let r = KeyRegistrationRequest::new(b"RSA1....");
        assert_eq!(r.to_json(), r#"{"kngc":"UlNBMS4uLi4="}"#);
        let back = KeyRegistrationRequest::parse(r.to_json().as_bytes())?;
        assert_eq!(back.kngc_blob()?, b"RSA1....");
        assert_eq!(
            KeyRegistrationRequest::parse(br#"{"KNGC":"UlNBMQ"}"#)?.kngc_blob()?,
            b"RSA1"
        );
        Ok(())
    }

    #[test]
    fn request_refusals() {
        assert_eq!(
            KeyRegistrationRequest::parse(b"[]"),
            Err(KeyRegistrationError::NotAnObject)
        );
        assert_eq!(
            KeyRegistrationRequest::parse(b"{}"),
            Err(KeyRegistrationError::MissingKngc)
        );
        assert_eq!(
            KeyRegistrationRequest::parse(br#"{"kngc":1}"#),
            Err(KeyRegistrationError::MissingKngc)
        );
        let bad = |k: &str| KeyRegistrationRequest { kngc: k.to_owned() }.kngc_blob();
        assert_eq!(bad(""), Err(KeyRegistrationError::BadKngc));
        assert_eq!(bad("!!"), Err(KeyRegistrationError::BadKngc));
        assert_eq!(bad(&"A".repeat(8000)), Err(KeyRegistrationError::BadKngc));
        assert_eq!(
            KeyRegistrationRequest::parse(&vec![b' '; MAX_KEY_REGISTRATION_LEN + 1]),
            Err(KeyRegistrationError::TooLarge)
        );
    }

    #[test]
    fn accept_header() {
        assert!(accept_is_json(Some("application/json")));
        assert!(accept_is_json(Some(
            "text/plain, Application/JSON; charset=utf-8"
        )));
        assert!(!accept_is_json(Some("*/*")));
        assert!(!accept_is_json(None));
    }

    #[test]
    fn response_and_error_shapes() -> Result<(), serde_json::Error> {
        let r = KeyRegistrationResponse::new(Uuid::nil(), "alice@contoso.test");
        assert_eq!(
            serde_json::to_value(&r)?,
            json!({"kid": "00000000-0000-0000-0000-000000000000", "upn": "alice@contoso.test"})
        );
        let e = KppError::mfa_required();
        assert_eq!(e.status, 401);
        let body = e.to_body(
            "kngc",
            Some("abc"),
            Uuid::nil(),
            datetime!(2025-01-31 08:09:10 UTC),
        );
        let v = serde_json::to_value(&body)?;
        assert_eq!(v["response"], "ERROR_FAIL");
        assert_eq!(v["code"], "mfa_required");
        assert_eq!(v["error"]["message"], v["message"]);
        assert_eq!(v["clientrequestid"], "abc");
        assert_eq!(v["innererror"]["context"], "null");
        assert_eq!(v["time"], "2025-01-31T08:09:10Z");
        assert_eq!(KppError::from(KeyRegistrationError::BadKngc).status, 400);
        Ok(())
    }
}
