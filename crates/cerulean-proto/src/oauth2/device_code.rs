//! The device authorization endpoint (`/oauth2/devicecode`, `/oauth2/v2.0/devicecode`),
//! RFC 8628 §3.1–3.2 as Entra and its clients shape it (INTEROP.md §3.7).

use super::OAuthError;
use super::form::{Form, parse_form_body};
use super::token_grant::TokenTarget;
use crate::wire::de_u64;
use crate::{EndpointVersion, aadsts};
use serde::{Deserialize, Serialize};

const KNOWN: &[&str] = &["client_id", "scope", "resource", "client-request-id"];

/// `POST …/devicecode`: `client_id` plus `scope` (v2) or `resource` (v1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeRequest {
    /// `client_id`.
    pub client_id: String,
    /// Audience; at least one of the two is present.
    pub target: TokenTarget,
    /// `client-request-id`, when in the body.
    pub client_request_id: Option<String>,
}

impl DeviceCodeRequest {
    /// Parses already-decoded form pairs. A request with neither `scope` nor `resource` fails
    /// with AADSTS900144 naming the parameter the endpoint `version` expects.
    pub fn from_pairs(
        pairs: &[(String, String)],
        version: EndpointVersion,
    ) -> Result<Self, OAuthError> {
        let mut f = Form::collect(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), KNOWN)?;
        let client_id = f
            .take("client_id")
            .ok_or_else(|| aadsts::missing_parameter("client_id"))?;
        let target = TokenTarget {
            scope: f.take("scope"),
            resource: f.take("resource"),
        };
        target.require(version)?;
        Ok(Self {
            client_id,
            target,
            client_request_id: f.take("client-request-id"),
        })
    }

    /// Parses a raw form body.
    pub fn from_form_body(body: &[u8], version: EndpointVersion) -> Result<Self, OAuthError> {
        Self::from_pairs(&parse_form_body(body), version)
    }
}

/// The devicecode answer.
///
/// `expires_in` and `interval` are always emitted as JSON **numbers**: libhimmelblau types
/// them `u32` and msal-node does arithmetic on them (INTEROP.md §3.7). Parsing also accepts
/// numeric strings (msal-python tolerates them, so some servers send them).
/// `verification_url` (the ADAL-era v1 spelling) is emitted alongside `verification_uri`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCodeResponse {
    /// The code the client polls with.
    pub device_code: String,
    /// The code the user types.
    pub user_code: String,
    /// Where the user types it.
    pub verification_uri: String,
    /// Same URL, v1 spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_url: Option<String>,
    /// Lifetime of both codes, seconds.
    #[serde(deserialize_with = "de_u64")]
    pub expires_in: u64,
    /// Minimum seconds between polls.
    #[serde(deserialize_with = "de_u64", default = "default_interval")]
    pub interval: u64,
    /// Human-readable instruction.
    #[serde(default)]
    pub message: String,
}

fn default_interval() -> u64 {
    5
}

impl DeviceCodeResponse {
    /// Builds a response; `message` is composed from the URL and user code.
    pub fn new(
        device_code: impl Into<String>,
        user_code: impl Into<String>,
        verification_uri: impl Into<String>,
        expires_in: u64,
        interval: u64,
    ) -> Self {
        let user_code = user_code.into();
        let verification_uri = verification_uri.into();
        let message = format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the \
             code {user_code} to authenticate."
        );
        Self {
            device_code: device_code.into(),
            verification_url: Some(verification_uri.clone()),
            user_code,
            verification_uri,
            expires_in,
            interval,
            message,
        }
    }
}
