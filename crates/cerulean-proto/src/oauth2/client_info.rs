//! `client_info`: unpadded base64url of `{"uid":"<object id>","utid":"<tenant id>"}`
//! (PROTOCOLS.md §2.2; MSAL builds `home_account_id = uid.utid` from it). Both must be GUIDs
//! (INTEROP.md §8.4).

use crate::ProtoError;
use crate::wire::{b64url_decode, b64url_encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The decoded `client_info` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// The user's object id.
    pub uid: Uuid,
    /// The user's home tenant id.
    pub utid: Uuid,
}

impl ClientInfo {
    /// Encodes as the response's `client_info` string.
    pub fn encode(&self) -> String {
        // Built by hand: GUIDs need no escaping and this cannot fail.
        let json = format!(
            r#"{{"uid":"{}","utid":"{}"}}"#,
            self.uid.hyphenated(),
            self.utid.hyphenated()
        );
        b64url_encode(json.as_bytes())
    }

    /// Decodes a `client_info` string (padding tolerated).
    pub fn decode(encoded: &str) -> Result<Self, ProtoError> {
        let bytes = b64url_decode(encoded)?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// MSAL's `home_account_id`: `uid.utid`.
    pub fn home_account_id(&self) -> String {
        format!("{}.{}", self.uid, self.utid)
    }
}
