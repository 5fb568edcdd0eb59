//! The OAuth 2.0 token endpoint as the device uses it (PROTOCOLS.md §2): the password
//! grant and the device-code flow for the DRS token, and the error format every refusal
//! comes in.

use std::time::Duration;

use cerulean_crypto::SecretString;
use cerulean_proto::oauth2::DeviceCodeResponse;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{DeviceError, Result, aadsts};
use crate::http::{Answer, Http};

/// Tokens from a successful grant. `Debug` hides them.
#[derive(Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<IdToken>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("id_token", &self.id_token)
            .finish_non_exhaustive()
    }
}

/// The claims of an `id_token` the device reads. The token arrived over TLS from the
/// authority it asked; the device has no key to check it against and does not pretend to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdToken {
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    pub upn: Option<String>,
    pub name: Option<String>,
    pub amr: Vec<String>,
    pub mdm_enrollment_url: Option<String>,
    pub mdm_terms_of_use_url: Option<String>,
    pub mdm_compliance_url: Option<String>,
}

impl IdToken {
    /// Reads the payload of a compact JWT (signed or not).
    pub fn parse(token: &str) -> Option<Self> {
        let payload = token.split('.').nth(1)?;
        let bytes = cerulean_crypto::b64::b64url_decode(payload).ok()?;
        let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
        let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
        Some(Self {
            tenant_id: text("tid"),
            object_id: text("oid"),
            upn: text("upn").or_else(|| text("preferred_username")),
            name: text("name"),
            amr: claims
                .get("amr")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            mdm_enrollment_url: text("mdm_enrollment_url"),
            mdm_terms_of_use_url: text("mdm_terms_of_use_url"),
            mdm_compliance_url: text("mdm_compliance_url"),
        })
    }

    /// Whether the sign-in was multifactor.
    pub fn is_mfa(&self) -> bool {
        self.amr.iter().any(|m| m == "mfa" || m == "ngcmfa")
    }
}

/// `{authority}/{tenant}/oauth2/token` (v1: the DRS and Windows use `resource=`).
pub fn token_url(authority: &str, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/token", authority.trim_end_matches('/'))
}

/// The OAuth error body.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
}

/// The successful token body (only what the device reads).
#[derive(Deserialize)]
struct TokenBody {
    access_token: Option<String>,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

/// Turns a token-endpoint answer into tokens or the refusal it carries.
pub(crate) fn tokens_from(answer: &Answer) -> Result<Tokens> {
    if !answer.status.is_success() {
        return Err(refusal(answer));
    }
    let body: TokenBody = answer.json("token response")?;
    let access_token = body.access_token.ok_or_else(|| DeviceError::Garbage {
        host: answer.host.clone(),
        what: "token response",
        detail: "no access_token".into(),
    })?;
    Ok(Tokens {
        access_token,
        refresh_token: body.refresh_token,
        id_token: body.id_token.as_deref().and_then(IdToken::parse),
    })
}

/// The [`DeviceError::SignInRefused`] of an error answer (or garbage if it is none).
pub(crate) fn refusal(answer: &Answer) -> DeviceError {
    match serde_json::from_slice::<ErrorBody>(&answer.body) {
        Ok(body) => DeviceError::SignInRefused {
            error: body.error,
            codes: body.error_codes,
            description: body.error_description,
        },
        Err(_) => DeviceError::Garbage {
            host: answer.host.clone(),
            what: "OAuth 2.0 error",
            detail: format!("HTTP {} with an unreadable body", answer.status.as_u16()),
        },
    }
}

/// Resource-owner password grant.
pub async fn password_grant(
    http: &Http,
    authority: &str,
    tenant: &str,
    client_id: &str,
    resource: &str,
    upn: &str,
    password: &SecretString,
) -> Result<Tokens> {
    let answer = http
        .post_form(
            &token_url(authority, tenant),
            &[
                ("grant_type", "password"),
                ("client_id", client_id),
                ("resource", resource),
                ("scope", "openid"),
                ("username", upn),
                ("password", password.expose()),
            ],
        )
        .await?;
    tokens_from(&answer)
}

/// Starts a device-code sign-in: `{authority}/{tenant}/oauth2/devicecode`.
pub async fn start_device_code(
    http: &Http,
    authority: &str,
    tenant: &str,
    client_id: &str,
    resource: &str,
) -> Result<DeviceCodeResponse> {
    let url = format!(
        "{}/{tenant}/oauth2/devicecode",
        authority.trim_end_matches('/')
    );
    let answer = http
        .post_form(&url, &[("client_id", client_id), ("resource", resource)])
        .await?;
    if !answer.status.is_success() {
        return Err(refusal(&answer));
    }
    answer.json("device code response")
}

/// Polls until the user completes (or declines) the device-code sign-in.
pub async fn poll_device_code(
    http: &Http,
    authority: &str,
    tenant: &str,
    client_id: &str,
    code: &DeviceCodeResponse,
) -> Result<Tokens> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(code.expires_in.max(1));
    let mut interval = Duration::from_secs(code.interval.clamp(1, 60));
    let url = token_url(authority, tenant);
    loop {
        let answer = http
            .post_form(
                &url,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", client_id),
                    ("code", &code.device_code),
                    ("device_code", &code.device_code),
                ],
            )
            .await?;
        match tokens_from(&answer) {
            Ok(tokens) => return Ok(tokens),
            Err(DeviceError::SignInRefused { error, codes, .. })
                if error == "authorization_pending"
                    || codes.contains(&aadsts::AUTHORIZATION_PENDING) =>
            {
                // keep waiting
            }
            Err(DeviceError::SignInRefused { error, .. }) if error == "slow_down" => {
                interval += Duration::from_secs(5);
            }
            Err(DeviceError::SignInRefused {
                error, description, ..
            }) if error == "expired_token" || error == "authorization_declined" => {
                let why = description.lines().next().unwrap_or(&error).to_string();
                return Err(DeviceError::DeviceCodeNotCompleted(why));
            }
            Err(other) => return Err(other),
        }
        if tokio::time::Instant::now() + interval > deadline {
            return Err(DeviceError::DeviceCodeNotCompleted(
                "the code expired".into(),
            ));
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_token_claims_are_read_from_the_payload() {
        let payload = cerulean_crypto::b64::b64url_encode(
            br#"{"tid":"t","oid":"o","upn":"a@b.c","amr":["pwd","mfa"],"mdm_enrollment_url":"https://mdm/x"}"#,
        );
        let token = format!("e30.{payload}.");
        let id = IdToken::parse(&token).unwrap();
        assert_eq!(id.tenant_id.as_deref(), Some("t"));
        assert_eq!(id.upn.as_deref(), Some("a@b.c"));
        assert!(id.is_mfa());
        assert_eq!(id.mdm_enrollment_url.as_deref(), Some("https://mdm/x"));
        assert!(IdToken::parse("not-a-jwt").is_none());
    }

    #[test]
    fn an_error_body_becomes_a_refusal_and_garbage_stays_garbage() {
        let answer = Answer {
            status: reqwest::StatusCode::BAD_REQUEST,
            body: br#"{"error":"invalid_grant","error_description":"AADSTS50126: x","error_codes":[50126]}"#.to_vec(),
            host: "login.test".into(),
        };
        let e = tokens_from(&answer).unwrap_err();
        assert_eq!(e.aadsts_codes(), &[50126]);
        let garbage = Answer {
            status: reqwest::StatusCode::BAD_REQUEST,
            body: b"<html>".to_vec(),
            host: "login.test".into(),
        };
        assert!(matches!(
            tokens_from(&garbage).unwrap_err(),
            DeviceError::Garbage { .. }
        ));
        let no_token = Answer {
            status: reqwest::StatusCode::OK,
            body: b"{}".to_vec(),
            host: "login.test".into(),
        };
        assert!(matches!(
            tokens_from(&no_token).unwrap_err(),
            DeviceError::Garbage { .. }
        ));
    }
}
