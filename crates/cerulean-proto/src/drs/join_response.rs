//! The join response (MS-DVRJ §3.1.5.1.1.3; PROTOCOLS.md §4.4):
//!
//! ```json
//! { "Certificate": { "Thumbprint": "<40 upper-case hex>", "RawBody": "<std b64 DER>" },
//!   "User": { "Upn": "alice@contoso.test" },
//!   "MembershipChanges": [ { "LocalSID": "S-1-5-32-544", "AddSIDs": ["S-1-12-1-…"] } ] }
//! ```
//!
//! Clients read only `Certificate.RawBody`; `MembershipChanges` is sent when the request
//! asked for it (`ReturnClientSid`). It is an array at Entra and an object in the DVRJ
//! schema: we send the array and read both.

use serde::{Deserialize, Deserializer, Serialize};

use super::LOCAL_ADMINISTRATORS_SID;
use super::ci::{decode_std_b64, encode_std_b64};

/// `Certificate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinCertificate {
    /// Upper-case hex SHA-1 of the DER certificate.
    #[serde(rename = "Thumbprint", default)]
    pub thumbprint: String,
    /// Standard base64 of the DER certificate, one line.
    #[serde(rename = "RawBody", default)]
    pub raw_body: String,
}

/// `User`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinUser {
    /// UPN of the joining user.
    #[serde(rename = "Upn", default)]
    pub upn: String,
}

/// One entry of `MembershipChanges`: SIDs Windows adds to a local group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChange {
    /// The local group (`S-1-5-32-544`, Administrators).
    #[serde(rename = "LocalSID", default)]
    pub local_sid: String,
    /// Entra-derived SIDs (`S-1-12-1-…`) to add.
    #[serde(rename = "AddSIDs", default)]
    pub add_sids: Vec<String>,
}

impl MembershipChange {
    /// Adds `sids` to the local Administrators group.
    pub fn local_administrators(sids: Vec<String>) -> Self {
        Self {
            local_sid: LOCAL_ADMINISTRATORS_SID.to_owned(),
            add_sids: sids,
        }
    }
}

/// The join response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    /// The issued device certificate.
    #[serde(rename = "Certificate")]
    pub certificate: JoinCertificate,
    /// The joining user.
    #[serde(rename = "User", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<JoinUser>,
    /// Local group changes; omitted when empty.
    #[serde(
        rename = "MembershipChanges",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub membership_changes: Vec<MembershipChange>,
}

impl JoinResponse {
    /// A response carrying the certificate `cert_der` whose SHA-1 thumbprint (upper-case
    /// hex, computed by the caller with `cerulean-crypto`) is `thumbprint`.
    pub fn new(thumbprint: impl Into<String>, cert_der: &[u8]) -> Self {
        Self {
            certificate: JoinCertificate {
                thumbprint: thumbprint.into(),
                raw_body: encode_std_b64(cert_der),
            },
            user: None,
            membership_changes: Vec::new(),
        }
    }

    /// Sets `User.Upn`.
    pub fn with_upn(mut self, upn: impl Into<String>) -> Self {
        self.user = Some(JoinUser { upn: upn.into() });
        self
    }

    /// Adds a `MembershipChanges` entry.
    pub fn with_membership_change(mut self, change: MembershipChange) -> Self {
        self.membership_changes.push(change);
        self
    }

    /// The JSON body. Serialising strings cannot fail; `{}` is the fallback.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Parses a response (device side).
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The certificate DER from `RawBody` (standard base64, padding optional; PEM armour
    /// around it, as some servers send, is tolerated).
    pub fn certificate_der(&self) -> Result<Vec<u8>, base64::DecodeError> {
        let body = self.certificate.raw_body.trim();
        let body = body
            .strip_prefix("-----BEGIN CERTIFICATE-----")
            .and_then(|b| b.trim_end().strip_suffix("-----END CERTIFICATE-----"))
            .unwrap_or(body);
        decode_std_b64(body)
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<MembershipChange>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<MembershipChange>),
        One(MembershipChange),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::Many(v)) => v,
        Some(OneOrMany::One(c)) => vec![c],
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn entra_shape() -> Result<(), serde_json::Error> {
        let r = JoinResponse::new("AB".repeat(20), &[0x30, 0x03, 0x02, 0x01, 0x01])
            .with_upn("alice@contoso.test")
            .with_membership_change(MembershipChange::local_administrators(vec![
                "S-1-12-1-1-2-3-4".to_owned(),
            ]));
        let v: Value = serde_json::from_str(&r.to_json())?;
        assert_eq!(
            v,
            json!({
                "Certificate": {"Thumbprint": "AB".repeat(20), "RawBody": "MAMCAQE="},
                "User": {"Upn": "alice@contoso.test"},
                "MembershipChanges": [{"LocalSID": "S-1-5-32-544", "AddSIDs": ["S-1-12-1-1-2-3-4"]}]
            })
        );
        assert_eq!(JoinResponse::from_json(r.to_json().as_bytes())?, r);
        Ok(())
    }

    #[test]
    fn minimal_and_dvrj_object_form() -> Result<(), Box<dyn std::error::Error>> {
        let r = JoinResponse::new("T", b"der");
        assert_eq!(
            r.to_json(),
            r#"{"Certificate":{"Thumbprint":"T","RawBody":"ZGVy"}}"#
        );
        let dvrj = br#"{"Certificate":{"RawBody":"ZGVy"},"MembershipChanges":{"LocalSID":"S-1-5-32-544","AddSIDs":[]}}"#;
        let parsed = JoinResponse::from_json(dvrj)?;
        assert_eq!(parsed.membership_changes.len(), 1);
        assert_eq!(parsed.certificate_der()?, b"der");
        let pem = JoinResponse {
            certificate: JoinCertificate {
                thumbprint: String::new(),
                raw_body: "-----BEGIN CERTIFICATE-----ZGVy-----END CERTIFICATE-----".into(),
            },
            ..JoinResponse::default()
        };
        assert_eq!(pem.certificate_der()?, b"der");
        Ok(())
    }
}
