//! The token endpoint's form, as sent (PROTOCOLS.md §2.1, INTEROP.md §3.7, §10).
//!
//! The server reads the body itself (clients omit `Content-Type`) and hands the pairs here.
//! [`TokenRequest`] is the raw form with secrets wrapped; convert it into a
//! [`TokenGrant`](super::TokenGrant) with `TryFrom` to get what one grant needs.

use super::basic::BasicCredentials;
use super::form::{Form, parse_flag, parse_form_body};
use super::{GrantType, OAuthError};
use crate::{Redacted, aadsts};
use std::collections::HashMap;

/// Every form parameter the token endpoint reads. Others (telemetry, `x-client-*`,
/// `client-request-id` duplicates …) are ignored after the size check.
const KNOWN: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "username",
    "password",
    "refresh_token",
    "device_code",
    "scope",
    "resource",
    "client_info",
    "request",
    "windows_api_version",
    "tgt",
    "assertion",
    "claims",
    "client-request-id",
];

/// How the client authenticated itself, if it sent a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// No client secret (public client).
    None,
    /// `client_secret` in the body.
    ClientSecretPost,
    /// HTTP Basic `Authorization` header.
    ClientSecretBasic,
}

/// The token endpoint form. All fields optional; empty values count as absent.
#[derive(Debug)]
pub struct TokenRequest {
    /// `grant_type`, parsed (unknown values become [`GrantType::Other`]).
    pub grant_type: Option<GrantType>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `client_secret` (body or HTTP Basic).
    pub client_secret: Option<Redacted<String>>,
    /// How `client_secret` arrived.
    pub client_auth_method: ClientAuthMethod,
    /// `code`: the authorization code, or (roadtx, msal-python) the device code.
    pub code: Option<Redacted<String>>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `code_verifier` (PKCE).
    pub code_verifier: Option<Redacted<String>>,
    /// `username` (ROPC).
    pub username: Option<String>,
    /// `password` (ROPC).
    pub password: Option<Redacted<String>>,
    /// `refresh_token`.
    pub refresh_token: Option<Redacted<String>>,
    /// `device_code` (RFC 8628 spelling).
    pub device_code: Option<Redacted<String>>,
    /// `scope` (v2), space-separated.
    pub scope: Option<String>,
    /// `resource` (v1).
    pub resource: Option<String>,
    /// `client_info=1`: include `client_info` in the response.
    pub client_info: bool,
    /// `request`: the signed PRT request JWT (jwt-bearer grant). May contain a password.
    pub request: Option<Redacted<String>>,
    /// `windows_api_version` (`2.0`, `2.2`).
    pub windows_api_version: Option<String>,
    /// `tgt=true|True`: ask for Kerberos TGT material.
    pub tgt: bool,
    /// `assertion`: SAML token (saml bearer grants) or JWT (RFC 7523).
    pub assertion: Option<Redacted<String>>,
    /// `claims` (JSON text, e.g. CAE or `signin_state`), not interpreted here.
    pub claims: Option<String>,
    /// `client-request-id` when sent in the body (msal-node).
    pub client_request_id: Option<String>,
}

impl TokenRequest {
    /// Parses already-decoded form pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, OAuthError> {
        Self::from_iter(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Parses a map (no duplicate detection possible; prefer [`TokenRequest::from_pairs`]).
    pub fn from_map(map: &HashMap<String, String>) -> Result<Self, OAuthError> {
        Self::from_iter(map.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Parses a raw `application/x-www-form-urlencoded` body.
    pub fn from_form_body(body: &[u8]) -> Result<Self, OAuthError> {
        Self::from_pairs(&parse_form_body(body))
    }

    fn from_iter<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, OAuthError> {
        let mut f = Form::collect(pairs, KNOWN)?;
        let secret = |f: &mut Form, name| f.take(name).map(Redacted::new);
        let client_secret = secret(&mut f, "client_secret");
        Ok(Self {
            grant_type: f.take("grant_type").map(|g| GrantType::parse(&g)),
            client_id: f.take("client_id"),
            client_auth_method: if client_secret.is_some() {
                ClientAuthMethod::ClientSecretPost
            } else {
                ClientAuthMethod::None
            },
            client_secret,
            code: secret(&mut f, "code"),
            redirect_uri: f.take("redirect_uri"),
            code_verifier: secret(&mut f, "code_verifier"),
            username: f.take("username"),
            password: secret(&mut f, "password"),
            refresh_token: secret(&mut f, "refresh_token"),
            device_code: secret(&mut f, "device_code"),
            scope: f.take("scope"),
            resource: f.take("resource"),
            client_info: parse_flag("client_info", f.take("client_info"))?,
            request: secret(&mut f, "request"),
            windows_api_version: f.take("windows_api_version"),
            tgt: parse_flag("tgt", f.take("tgt"))?,
            assertion: secret(&mut f, "assertion"),
            claims: f.take("claims"),
            client_request_id: f.take("client-request-id"),
        })
    }

    /// Folds HTTP Basic client credentials (`client_secret_basic`) into the request.
    ///
    /// Fails with `invalid_request` if the body also carries `client_secret` (RFC 6749
    /// §2.3: one method only) or a different `client_id`.
    pub fn apply_basic_auth(&mut self, basic: BasicCredentials) -> Result<(), OAuthError> {
        if self.client_secret.is_some() {
            return Err(aadsts::malformed_request(
                "The client authenticated with more than one method.",
            ));
        }
        if let Some(id) = &self.client_id {
            if *id != basic.client_id {
                return Err(aadsts::malformed_request(
                    "The client_id in the body does not match the Authorization header.",
                ));
            }
        }
        self.client_id = Some(basic.client_id);
        self.client_secret = Some(basic.client_secret);
        self.client_auth_method = ClientAuthMethod::ClientSecretBasic;
        Ok(())
    }
}
