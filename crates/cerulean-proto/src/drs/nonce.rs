//! The DRS nonce (PROTOCOLS.md §3.3): `GET {NonceService.Endpoint}?api-version=1.0` →
//!
//! ```json
//! {"ReponseStatus": {"message": "…", "traceId": "…", "time": "…"}, "Value": "<nonce>"}
//! ```
//!
//! `ReponseStatus` is misspelt on the wire and kept that way; clients read only `Value`.
//! Parsing also accepts the correct spelling.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::iso8601;

/// `ReponseStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrsResponseStatus {
    /// `message`.
    #[serde(default)]
    pub message: String,
    /// `traceId` (GUID).
    #[serde(rename = "traceId", default)]
    pub trace_id: String,
    /// `time` (ISO 8601).
    #[serde(default)]
    pub time: String,
}

/// The nonce response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrsNonceResponse {
    /// `ReponseStatus` (sic).
    #[serde(rename = "ReponseStatus", alias = "ResponseStatus", default)]
    pub response_status: DrsResponseStatus,
    /// `Value`: the nonce.
    #[serde(rename = "Value")]
    pub value: String,
}

impl DrsNonceResponse {
    /// A response carrying `nonce`.
    pub fn new(nonce: impl Into<String>, trace_id: Uuid, now: OffsetDateTime) -> Self {
        Self {
            response_status: DrsResponseStatus {
                message: "Successfully created a new nonce.".to_owned(),
                trace_id: trace_id.to_string(),
                time: iso8601(now),
            },
            value: nonce.into(),
        }
    }

    /// The JSON body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn wire_shape_keeps_the_misspelling() -> Result<(), serde_json::Error> {
        let r = DrsNonceResponse::new(
            "AwABAAEAAAAC",
            Uuid::nil(),
            datetime!(2025-01-31 08:09:10 UTC),
        );
        let v: Value = serde_json::from_str(&r.to_json())?;
        assert_eq!(v["Value"], "AwABAAEAAAAC");
        assert_eq!(
            v["ReponseStatus"]["traceId"],
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(v["ReponseStatus"]["time"], "2025-01-31T08:09:10Z");
        assert!(v.get("ResponseStatus").is_none());
        let back: DrsNonceResponse = serde_json::from_value(v)?;
        assert_eq!(back, r);
        let fixed: DrsNonceResponse = serde_json::from_str(r#"{"ResponseStatus":{},"Value":"n"}"#)?;
        assert_eq!(fixed.value, "n");
        let bare: DrsNonceResponse = serde_json::from_str(r#"{"Value":"n"}"#)?;
        assert_eq!(bare.value, "n");
        Ok(())
    }
}
