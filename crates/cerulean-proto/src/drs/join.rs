//! The device join request: `POST /EnrollmentServer/device/?api-version=2.0`
//! (MS-DVRJ §3.1.5.1.1; PROTOCOLS.md §4.1, §4.3; INTEROP.md §3.6).
//!
//! ```json
//! { "CertificateRequest": {"Type": "pkcs10", "Data": "<std b64 DER PKCS#10>"},
//!   "TransportKey": "<std b64 BCRYPT_RSAKEY_BLOB or JWK JSON>", "TargetDomain": "contoso.test",
//!   "DeviceType": "Windows", "OSVersion": "10.0.19041.928", "DeviceDisplayName": "dev1",
//!   "JoinType": 0, "attributes": {"ReuseDevice": "true", "ReturnClientSid": "true"} }
//! ```
//!
//! Member names are matched ignoring case, as Entra does (roadtx sends `attributes`,
//! libhimmelblau `Attributes`); `JoinType` may be a number or a numeric string; flags may
//! be `true`, `"true"` or PowerShell's `"True"`. [`JoinRequest`] is the wire form (also
//! what a device serialises); [`JoinRequestValidated`] is what the server acts on.

use serde::Serialize;
use serde_json::{Map, Value};

use super::ci::{decode_std_b64, encode_std_b64, member};

/// Largest join request body accepted. A request carrying an RSA-4096 CSR, a JWK
/// transport key and TPM attestation stays far below this.
pub const MAX_JOIN_REQUEST_LEN: usize = 64 * 1024;
/// Largest decoded CSR (matches `cerulean_crypto::csr::MAX_CSR_LEN`).
pub const MAX_CSR_LEN: usize = 16 * 1024;
/// Largest decoded transport key (a blob or a JWK's JSON).
pub const MAX_TRANSPORT_KEY_LEN: usize = 16 * 1024;
/// Longest `DeviceDisplayName`, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 256;
/// Longest `DeviceType`, in characters.
pub const MAX_DEVICE_TYPE_CHARS: usize = 64;
/// Longest `OSVersion`, in characters.
pub const MAX_OS_VERSION_CHARS: usize = 256;
/// Longest `TargetDomain`, in characters.
pub const MAX_TARGET_DOMAIN_CHARS: usize = 255;

/// Why a join request was refused. Messages name the member and are safe to send back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinRequestError {
    /// The body exceeds [`MAX_JOIN_REQUEST_LEN`].
    #[error("the request body is larger than {MAX_JOIN_REQUEST_LEN} bytes")]
    TooLarge,
    /// The body is not JSON.
    #[error("the request body is not valid JSON")]
    NotJson,
    /// The body is JSON but not an object.
    #[error("the request body must be a JSON object")]
    NotAnObject,
    /// Two members differ only in case (`Attributes` and `attributes`).
    #[error("{0} appears more than once (member names are case-insensitive)")]
    Ambiguous(&'static str),
    /// A required member is missing (or `null`).
    #[error("{0} is required")]
    Missing(&'static str),
    /// A member has the wrong JSON type.
    #[error("{0} must be {1}")]
    WrongType(&'static str, &'static str),
    /// A member is an empty string.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// A member is longer than allowed.
    #[error("{0} is too long")]
    TooLong(&'static str),
    /// A text member contains control characters.
    #[error("{0} contains control characters")]
    ControlCharacters(&'static str),
    /// A base64 member does not decode.
    #[error("{0} is not valid base64")]
    Base64(&'static str),
    /// `CertificateRequest.Type` is not `pkcs10`.
    #[error("CertificateRequest.Type must be \"pkcs10\"")]
    UnsupportedCertificateRequestType,
    /// `JoinType` 6.
    #[error("JoinType 6: hybrid join needs on-premises AD and is not supported")]
    HybridJoinUnsupported,
    /// Any other unsupported `JoinType`.
    #[error("JoinType {0} is not supported: use 0 (join) or 4 (register)")]
    UnsupportedJoinType(i64),
    /// An attribute flag that is neither true nor false.
    #[error("attribute {0} must be \"true\" or \"false\"")]
    InvalidFlag(&'static str),
}

/// `CertificateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateRequest {
    /// `Type`: `pkcs10`.
    #[serde(rename = "Type")]
    pub type_: String,
    /// `Data`: standard base64 of the DER CSR.
    #[serde(rename = "Data")]
    pub data: String,
}

/// The join request as sent. Parse with [`JoinRequest::parse`] (case-insensitive);
/// serialises with the canonical PascalCase names (for the device side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinRequest {
    /// `CertificateRequest`.
    #[serde(rename = "CertificateRequest")]
    pub certificate_request: CertificateRequest,
    /// `TransportKey`: standard base64 of a `BCRYPT_RSAKEY_BLOB` or of a JWK's JSON.
    #[serde(rename = "TransportKey")]
    pub transport_key: String,
    /// `TargetDomain`: a verified domain, the DRS host, or anything (roadtx defaults to
    /// `iminyour.cloud`); informational.
    #[serde(rename = "TargetDomain", skip_serializing_if = "Option::is_none")]
    pub target_domain: Option<String>,
    /// `DeviceType`: `Windows`, `Linux`, `MacOS`, `Android`, ….
    #[serde(rename = "DeviceType")]
    pub device_type: String,
    /// `OSVersion`; empty when absent.
    #[serde(rename = "OSVersion")]
    pub os_version: String,
    /// `DeviceDisplayName`.
    #[serde(rename = "DeviceDisplayName")]
    pub device_display_name: String,
    /// `JoinType` as sent (validated later).
    #[serde(rename = "JoinType")]
    pub join_type: i64,
    /// `Attributes` as sent (values normally `"true"`/`"false"` strings).
    #[serde(rename = "Attributes", skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Map<String, Value>>,
    /// `AikCertificate` (TPM attestation; not evaluated by Cerulean).
    #[serde(rename = "AikCertificate", skip_serializing_if = "Option::is_none")]
    pub aik_certificate: Option<String>,
    /// `AttestationData` (TPM attestation; not evaluated by Cerulean).
    #[serde(rename = "AttestationData", skip_serializing_if = "Option::is_none")]
    pub attestation_data: Option<String>,
    /// `PreAuthorizedJoinChallenge` (a JWT; pre-created devices).
    #[serde(
        rename = "PreAuthorizedJoinChallenge",
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_join_challenge: Option<String>,
}

/// `JoinType` values Cerulean implements (PROTOCOLS.md §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinType {
    /// 0: Entra join (trust type `AzureAd`; certificate …284.7 = "1").
    Join = 0,
    /// 4: Entra registration, "add work account" (trust type `Workplace`; …284.7 = "0").
    Register = 4,
}

impl JoinType {
    /// Maps the wire number; 6 (hybrid) and everything else are refused with a message
    /// that says what is supported.
    pub fn from_wire(value: i64) -> Result<Self, JoinRequestError> {
        match value {
            0 => Ok(Self::Join),
            4 => Ok(Self::Register),
            6 => Err(JoinRequestError::HybridJoinUnsupported),
            other => Err(JoinRequestError::UnsupportedJoinType(other)),
        }
    }

    /// The wire number.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// Whether the device becomes Entra joined (as opposed to registered).
    pub fn is_join(self) -> bool {
        self == Self::Join
    }
}

/// The `Attributes` flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinAttributes {
    /// `ReuseDevice`: the client wants an existing device with the same key reused.
    pub reuse_device: bool,
    /// `ReturnClientSid`: the client wants `MembershipChanges` in the response.
    pub return_client_sid: bool,
    /// `SharedDevice`.
    pub shared_device: bool,
    /// `MSA-DDID` (roadtx, some flows), kept verbatim.
    pub msa_ddid: Option<String>,
}

/// A join request the server can act on: base64 decoded, sizes and types checked,
/// `JoinType` supported. The CSR and transport key still need `cerulean-crypto`
/// (`parse_and_verify_csr`, `parse_transport_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequestValidated {
    /// The DER PKCS#10 request.
    pub csr_der: Vec<u8>,
    /// The decoded transport key: blob bytes or JWK JSON bytes.
    pub transport_key: Vec<u8>,
    /// `TargetDomain`, if sent.
    pub target_domain: Option<String>,
    /// `DeviceType`.
    pub device_type: String,
    /// `OSVersion` (may be empty).
    pub os_version: String,
    /// `DeviceDisplayName`.
    pub display_name: String,
    /// `JoinType`.
    pub join_type: JoinType,
    /// `Attributes`.
    pub attributes: JoinAttributes,
    /// `PreAuthorizedJoinChallenge`, if sent.
    pub pre_authorized_join_challenge: Option<String>,
}

type Obj = Map<String, Value>;

fn get<'a>(obj: &'a Obj, name: &'static str) -> Result<Option<&'a Value>, JoinRequestError> {
    member(obj, name)
        .map(|v| v.filter(|v| !v.is_null()))
        .map_err(|_| JoinRequestError::Ambiguous(name))
}

fn opt_str(obj: &Obj, name: &'static str) -> Result<Option<String>, JoinRequestError> {
    match get(obj, name)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JoinRequestError::WrongType(name, "a string")),
    }
}

fn req_str(obj: &Obj, name: &'static str) -> Result<String, JoinRequestError> {
    opt_str(obj, name)?.ok_or(JoinRequestError::Missing(name))
}

fn join_type_number(obj: &Obj) -> Result<i64, JoinRequestError> {
    const NAME: &str = "JoinType";
    let wrong = JoinRequestError::WrongType(NAME, "an integer");
    match get(obj, NAME)? {
        None => Err(JoinRequestError::Missing(NAME)),
        Some(Value::Number(n)) => n.as_i64().ok_or(wrong),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| wrong),
        Some(_) => Err(wrong),
    }
}

impl JoinRequest {
    /// Parses a join body: JSON object, member names in any case, `JoinType` as number or
    /// numeric string. Does not validate values (see [`validate`](Self::validate)).
    pub fn parse(body: &[u8]) -> Result<Self, JoinRequestError> {
        if body.len() > MAX_JOIN_REQUEST_LEN {
            return Err(JoinRequestError::TooLarge);
        }
        let value: Value = serde_json::from_slice(body).map_err(|_| JoinRequestError::NotJson)?;
        let Value::Object(obj) = value else {
            return Err(JoinRequestError::NotAnObject);
        };
        let certificate_request = match get(&obj, "CertificateRequest")? {
            None => return Err(JoinRequestError::Missing("CertificateRequest")),
            Some(Value::Object(cr)) => CertificateRequest {
                type_: req_str(cr, "Type").map_err(|e| rename(e, "CertificateRequest.Type"))?,
                data: req_str(cr, "Data").map_err(|e| rename(e, "CertificateRequest.Data"))?,
            },
            Some(_) => {
                return Err(JoinRequestError::WrongType(
                    "CertificateRequest",
                    "an object",
                ));
            }
        };
        let attributes = match get(&obj, "Attributes")? {
            None => None,
            Some(Value::Object(a)) => Some(a.clone()),
            Some(_) => return Err(JoinRequestError::WrongType("Attributes", "an object")),
        };
        Ok(Self {
            certificate_request,
            transport_key: req_str(&obj, "TransportKey")?,
            target_domain: opt_str(&obj, "TargetDomain")?,
            device_type: req_str(&obj, "DeviceType")?,
            os_version: opt_str(&obj, "OSVersion")?.unwrap_or_default(),
            device_display_name: req_str(&obj, "DeviceDisplayName")?,
            join_type: join_type_number(&obj)?,
            attributes,
            aik_certificate: opt_str(&obj, "AikCertificate")?,
            attestation_data: opt_str(&obj, "AttestationData")?,
            pre_authorized_join_challenge: opt_str(&obj, "PreAuthorizedJoinChallenge")?,
        })
    }

    /// Checks and decodes every member (see [`JoinRequestValidated`]).
    pub fn validate(self) -> Result<JoinRequestValidated, JoinRequestError> {
        JoinRequestValidated::try_from(self)
    }

    /// The JSON body (device side). Serialising strings and numbers cannot fail.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// A request as a device builds it, from the raw CSR and transport key.
    pub fn new(
        csr_der: &[u8],
        transport_key: &[u8],
        device_type: &str,
        os_version: &str,
        display_name: &str,
        join_type: JoinType,
    ) -> Self {
        let mut attributes = Map::new();
        attributes.insert("ReuseDevice".into(), Value::String("true".into()));
        attributes.insert("ReturnClientSid".into(), Value::String("true".into()));
        Self {
            certificate_request: CertificateRequest {
                type_: "pkcs10".into(),
                data: encode_std_b64(csr_der),
            },
            transport_key: encode_std_b64(transport_key),
            target_domain: None,
            device_type: device_type.into(),
            os_version: os_version.into(),
            device_display_name: display_name.into(),
            join_type: join_type.code(),
            attributes: Some(attributes),
            aik_certificate: None,
            attestation_data: None,
            pre_authorized_join_challenge: None,
        }
    }
}

/// Gives a nested member's error its full name.
fn rename(e: JoinRequestError, full: &'static str) -> JoinRequestError {
    match e {
        JoinRequestError::Missing(_) => JoinRequestError::Missing(full),
        JoinRequestError::WrongType(_, t) => JoinRequestError::WrongType(full, t),
        JoinRequestError::Ambiguous(_) => JoinRequestError::Ambiguous(full),
        other => other,
    }
}

fn decode(name: &'static str, text: &str, max_decoded: usize) -> Result<Vec<u8>, JoinRequestError> {
    // Four base64 characters per three bytes, plus padding and line breaks.
    if text.len() > max_decoded / 3 * 4 + 4 + text.len() / 64 * 2 {
        return Err(JoinRequestError::TooLong(name));
    }
    let bytes = decode_std_b64(text).map_err(|_| JoinRequestError::Base64(name))?;
    if bytes.is_empty() {
        return Err(JoinRequestError::Empty(name));
    }
    if bytes.len() > max_decoded {
        return Err(JoinRequestError::TooLong(name));
    }
    Ok(bytes)
}

fn text(
    name: &'static str,
    value: String,
    max_chars: usize,
    allow_empty: bool,
) -> Result<String, JoinRequestError> {
    if !allow_empty && value.trim().is_empty() {
        return Err(JoinRequestError::Empty(name));
    }
    if value.chars().count() > max_chars {
        return Err(JoinRequestError::TooLong(name));
    }
    if value.chars().any(char::is_control) {
        return Err(JoinRequestError::ControlCharacters(name));
    }
    Ok(value)
}

fn flag(attrs: &Obj, name: &'static str) -> Result<bool, JoinRequestError> {
    let value = member(attrs, name).map_err(|_| JoinRequestError::Ambiguous(name))?;
    match value {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") || s.trim().is_empty() => {
            Ok(false)
        }
        Some(_) => Err(JoinRequestError::InvalidFlag(name)),
    }
}

impl TryFrom<JoinRequest> for JoinRequestValidated {
    type Error = JoinRequestError;

    fn try_from(req: JoinRequest) -> Result<Self, Self::Error> {
        let join_type = JoinType::from_wire(req.join_type)?;
        if !req
            .certificate_request
            .type_
            .trim()
            .eq_ignore_ascii_case("pkcs10")
        {
            return Err(JoinRequestError::UnsupportedCertificateRequestType);
        }
        let csr_der = decode(
            "CertificateRequest.Data",
            &req.certificate_request.data,
            MAX_CSR_LEN,
        )?;
        let transport_key = decode("TransportKey", &req.transport_key, MAX_TRANSPORT_KEY_LEN)?;
        let attributes = match &req.attributes {
            None => JoinAttributes::default(),
            Some(a) => JoinAttributes {
                reuse_device: flag(a, "ReuseDevice")?,
                return_client_sid: flag(a, "ReturnClientSid")?,
                shared_device: flag(a, "SharedDevice")?,
                msa_ddid: match member(a, "MSA-DDID") {
                    Ok(Some(Value::String(s))) => Some(s.clone()),
                    Ok(_) => None,
                    Err(_) => return Err(JoinRequestError::Ambiguous("MSA-DDID")),
                },
            },
        };
        let target_domain = req
            .target_domain
            .map(|d| text("TargetDomain", d, MAX_TARGET_DOMAIN_CHARS, true))
            .transpose()?
            .filter(|d| !d.trim().is_empty());
        Ok(Self {
            csr_der,
            transport_key,
            target_domain,
            device_type: text("DeviceType", req.device_type, MAX_DEVICE_TYPE_CHARS, false)?,
            os_version: text("OSVersion", req.os_version, MAX_OS_VERSION_CHARS, true)?,
            display_name: text(
                "DeviceDisplayName",
                req.device_display_name,
                MAX_DISPLAY_NAME_CHARS,
                false,
            )?,
            join_type,
            attributes,
            pre_authorized_join_challenge: req.pre_authorized_join_challenge,
        })
    }
}

impl JoinRequestValidated {
    /// [`JoinRequest::parse`] then [`JoinRequest::validate`].
    pub fn parse(body: &[u8]) -> Result<Self, JoinRequestError> {
        JoinRequest::parse(body)?.validate()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap_or_default()
    }

    fn roadtx() -> Value {
        json!({
            "CertificateRequest": {"Type": "pkcs10", "Data": "MIIBAQ=="},
            "TransportKey": "UlNBMQ",
            "TargetDomain": "iminyour.cloud",
            "DeviceType": "Windows",
            "OSVersion": "10.0.19041.928",
            "DeviceDisplayName": "dev1",
            "JoinType": 0,
            "attributes": {"ReuseDevice": "true", "ReturnClientSid": "true"}
        })
    }

    #[test]
    fn parses_roadtx_shape() -> Result<(), JoinRequestError> {
        let v = JoinRequestValidated::parse(&body(roadtx()))?;
        assert_eq!(v.csr_der, [0x30, 0x82, 0x01, 0x01]);
        assert_eq!(v.transport_key, b"RSA1");
        assert_eq!(v.join_type, JoinType::Join);
        assert!(v.attributes.reuse_device && v.attributes.return_client_sid);
        assert!(!v.attributes.shared_device);
        assert_eq!(v.target_domain.as_deref(), Some("iminyour.cloud"));
        assert_eq!(v.display_name, "dev1");
        Ok(())
    }

    #[test]
    fn member_names_in_any_case_and_loose_scalars() -> Result<(), JoinRequestError> {
        let v = JoinRequestValidated::parse(&body(json!({
            "certificaterequest": {"type": "PKCS10", "data": "MIIBAQ"},
            "TRANSPORTKEY": "UlNBMQ==",
            "devicetype": "Linux",
            "DeviceDisplayName": "box",
            "joinType": "4",
            "Attributes": {"reusedevice": true, "SharedDevice": "True", "ReturnClientSid": "False"}
        })))?;
        assert_eq!(v.join_type, JoinType::Register);
        assert!(v.attributes.reuse_device && v.attributes.shared_device);
        assert!(!v.attributes.return_client_sid);
        assert_eq!(v.os_version, "");
        assert_eq!(v.target_domain, None);
        Ok(())
    }

    #[test]
    fn join_types() {
        let with = |jt: Value| {
            let mut v = roadtx();
            v["JoinType"] = jt;
            JoinRequestValidated::parse(&body(v))
        };
        assert_eq!(
            with(json!(6)).err(),
            Some(JoinRequestError::HybridJoinUnsupported)
        );
        assert!(
            with(json!(6))
                .err()
                .map(|e| e.to_string())
                .is_some_and(|m| m.contains("hybrid join needs on-premises AD"))
        );
        assert_eq!(
            with(json!(8)).err(),
            Some(JoinRequestError::UnsupportedJoinType(8))
        );
        assert_eq!(
            with(json!(-1)).err(),
            Some(JoinRequestError::UnsupportedJoinType(-1))
        );
        assert!(matches!(
            with(json!(0.5)),
            Err(JoinRequestError::WrongType(..))
        ));
        assert!(matches!(
            with(json!("zero")),
            Err(JoinRequestError::WrongType(..))
        ));
        assert!(matches!(
            with(json!(null)),
            Err(JoinRequestError::Missing("JoinType"))
        ));
    }

    #[test]
    fn refusals_name_the_member() {
        let cases: Vec<(Value, JoinRequestError)> = vec![
            (json!([]), JoinRequestError::NotAnObject),
            (
                json!({"CertificateRequest": 1}),
                JoinRequestError::WrongType("CertificateRequest", "an object"),
            ),
            (json!({}), JoinRequestError::Missing("CertificateRequest")),
        ];
        for (v, e) in cases {
            assert_eq!(JoinRequest::parse(&body(v)).err(), Some(e));
        }
        let mutate = |f: &dyn Fn(&mut Value)| {
            let mut v = roadtx();
            f(&mut v);
            JoinRequestValidated::parse(&body(v)).err()
        };
        assert_eq!(
            mutate(&|v| v["CertificateRequest"]["Data"] = json!("%%%")),
            Some(JoinRequestError::Base64("CertificateRequest.Data"))
        );
        assert_eq!(
            mutate(&|v| v["CertificateRequest"]["Type"] = json!("x509")),
            Some(JoinRequestError::UnsupportedCertificateRequestType)
        );
        assert_eq!(
            mutate(&|v| v["TransportKey"] = json!("")),
            Some(JoinRequestError::Empty("TransportKey"))
        );
        assert_eq!(
            mutate(&|v| v["DeviceDisplayName"] = json!("a\u{0}b")),
            Some(JoinRequestError::ControlCharacters("DeviceDisplayName"))
        );
        assert_eq!(
            mutate(&|v| v["DeviceDisplayName"] = json!("x".repeat(300))),
            Some(JoinRequestError::TooLong("DeviceDisplayName"))
        );
        assert_eq!(
            mutate(&|v| v["DeviceType"] = json!(" ")),
            Some(JoinRequestError::Empty("DeviceType"))
        );
        assert_eq!(
            mutate(&|v| v["attributes"]["ReuseDevice"] = json!("yes")),
            Some(JoinRequestError::InvalidFlag("ReuseDevice"))
        );
        assert_eq!(
            mutate(&|v| v["Attributes"] = json!({})),
            Some(JoinRequestError::Ambiguous("Attributes"))
        );
        assert_eq!(
            mutate(&|v| v["CertificateRequest"]["Data"] = json!("A".repeat(30_000))),
            Some(JoinRequestError::TooLong("CertificateRequest.Data"))
        );
        assert_eq!(
            JoinRequest::parse(&vec![b' '; MAX_JOIN_REQUEST_LEN + 1]).err(),
            Some(JoinRequestError::TooLarge)
        );
        assert_eq!(
            JoinRequest::parse(b"{").err(),
            Some(JoinRequestError::NotJson)
        );
    }

    #[test]
    fn device_side_round_trip() -> Result<(), JoinRequestError> {
        let req = JoinRequest::new(
            b"csr",
            b"RSA1key",
            "Linux",
            "Debian 12",
            "box",
            JoinType::Join,
        );
        let json = req.to_json();
        assert!(
            json.contains(r#""CertificateRequest":{"Type":"pkcs10","Data":"Y3Ny"}"#),
            "{json}"
        );
        let back = JoinRequest::parse(json.as_bytes())?;
        assert_eq!(back, req);
        let v = back.validate()?;
        assert_eq!(v.csr_der, b"csr");
        assert_eq!(v.transport_key, b"RSA1key");
        Ok(())
    }
}
