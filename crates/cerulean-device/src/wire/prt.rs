//! The Primary Refresh Token as the device obtains and uses it ([MS-OAPXBC],
//! PROTOCOLS.md §5): the nonce, the device-key-signed PRT request (password or refresh
//! token inner grant), session-key-signed renewal, and the device-only token the device
//! uses to ask whether it is still enabled.

use cerulean_crypto::prt::{KdfVersion, decrypt_response, open_session_key_jwe, sign_session_jws};
use cerulean_crypto::{RsaPrivateKey, SecretBytes, SecretString, b64};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::clients::{BROKER, WINDOWS_SIGN_IN};
use super::oauth::{IdToken, refusal, token_url, tokens_from};
use super::{WINDOWS_11_VERSION, resources};
use crate::error::{DeviceError, Result};
use crate::http::{Answer, Http};

/// `grant_type=srv_challenge` → `{"Nonce": …}`.
pub async fn nonce(http: &Http, authority: &str, tenant: &str) -> Result<String> {
    #[derive(Deserialize)]
    struct NonceBody {
        #[serde(rename = "Nonce")]
        nonce: String,
    }
    let answer = http
        .post_form(
            &token_url(authority, tenant),
            &[("grant_type", "srv_challenge")],
        )
        .await?;
    if !answer.status.is_success() {
        return Err(refusal(&answer));
    }
    Ok(answer.json::<NonceBody>("nonce response")?.nonce)
}

/// How the user proves who they are inside the PRT request.
pub enum UserProof<'a> {
    Password {
        upn: &'a str,
        password: &'a SecretString,
    },
    /// A refresh token issued to the broker client (device-code sign-in).
    RefreshToken(&'a str),
}

impl std::fmt::Debug for UserProof<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password { upn, .. } => write!(f, "Password({upn})"),
            Self::RefreshToken(_) => write!(f, "RefreshToken(…)"),
        }
    }
}

/// A PRT with its session key. `Debug` hides both.
pub struct IssuedPrt {
    pub prt: String,
    pub session_key: SecretBytes,
    pub expires_in: u64,
    pub id_token: Option<IdToken>,
}

impl std::fmt::Debug for IssuedPrt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedPrt")
            .field("expires_in", &self.expires_in)
            .field("id_token", &self.id_token)
            .finish_non_exhaustive()
    }
}

/// The device's credentials for device-signed requests.
pub struct DeviceCredential<'a> {
    pub device_key: &'a RsaPrivateKey,
    pub certificate_der: &'a [u8],
}

impl std::fmt::Debug for DeviceCredential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential").finish_non_exhaustive()
    }
}

impl DeviceCredential<'_> {
    fn sign(&self, claims: &Value) -> Result<String> {
        let mut header = Map::new();
        header.insert("typ".into(), json!("JWT"));
        header.insert(
            "x5c".into(),
            json!([b64::b64_std_encode(self.certificate_der)]),
        );
        Ok(cerulean_crypto::sign_jwt(self.device_key, &header, claims)?)
    }
}

/// The device-key-signed PRT request.
pub async fn request_prt(
    http: &Http,
    authority: &str,
    tenant: &str,
    device: &DeviceCredential<'_>,
    transport_key: &RsaPrivateKey,
    proof: UserProof<'_>,
) -> Result<IssuedPrt> {
    let nonce = nonce(http, authority, tenant).await?;
    let mut claims = json!({
        "client_id": WINDOWS_SIGN_IN,
        "scope": "openid aza ugs",
        "request_nonce": nonce,
        "win_ver": WINDOWS_11_VERSION,
        "group_sids": [],
    });
    match proof {
        UserProof::Password { upn, password } => {
            claims["grant_type"] = json!("password");
            claims["username"] = json!(upn);
            claims["password"] = json!(password.expose());
        }
        UserProof::RefreshToken(rt) => {
            claims["client_id"] = json!(BROKER);
            claims["grant_type"] = json!("refresh_token");
            claims["refresh_token"] = json!(rt);
            claims["iss"] = json!("aad:brokerplugin");
        }
    }
    let request = device.sign(&claims)?;
    let answer = http
        .post_form(
            &token_url(authority, tenant),
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("request", &request),
                ("windows_api_version", "2.0"),
                ("client_info", "1"),
            ],
        )
        .await?;
    prt_from(&answer, transport_key)
}

#[derive(Deserialize)]
struct PrtBody {
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<Value>,
    session_key_jwe: Option<String>,
    id_token: Option<String>,
}

fn prt_from(answer: &Answer, transport_key: &RsaPrivateKey) -> Result<IssuedPrt> {
    if !answer.status.is_success() {
        return Err(refusal(answer));
    }
    let garbage = |detail: &str| DeviceError::Garbage {
        host: answer.host.clone(),
        what: "PRT response",
        detail: detail.to_string(),
    };
    let body: PrtBody = answer.json("PRT response")?;
    let prt = body
        .refresh_token
        .ok_or_else(|| garbage("no refresh_token"))?;
    let jwe = body
        .session_key_jwe
        .ok_or_else(|| garbage("no session_key_jwe"))?;
    let session_key = open_session_key_jwe(transport_key, &jwe).map_err(|e| {
        garbage(&format!(
            "session_key_jwe doesn't open with the transport key: {e}"
        ))
    })?;
    Ok(IssuedPrt {
        prt,
        session_key,
        expires_in: seconds(body.refresh_token_expires_in.as_ref()).unwrap_or(14 * 86_400),
        id_token: body.id_token.as_deref().and_then(IdToken::parse),
    })
}

/// A number or a numeric string.
fn seconds(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Renews the PRT with a session-key-signed request (`scope` with `aza`); the session key
/// stays the same.
pub async fn renew_prt(
    http: &Http,
    authority: &str,
    tenant: &str,
    prt: &str,
    session_key: &SecretBytes,
) -> Result<(String, u64)> {
    let nonce = nonce(http, authority, tenant).await?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "client_id": WINDOWS_SIGN_IN,
        "grant_type": "refresh_token",
        "refresh_token": prt,
        "previous_refresh_token": prt,
        "scope": "openid aza ugs",
        "request_nonce": nonce,
        "iss": "aad:brokerplugin",
        "aud": "login.microsoftonline.com",
        "iat": now,
        "exp": now + 300,
        "win_ver": WINDOWS_11_VERSION,
    });
    let payload = serde_json::to_vec(&claims).map_err(|e| DeviceError::Input(e.to_string()))?;
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    let request = sign_session_jws(session_key, &header, &payload, KdfVersion::V2)?;
    let answer = http
        .post_form(
            &token_url(authority, tenant),
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("request", &request),
                ("windows_api_version", "2.0"),
                ("client_info", "1"),
            ],
        )
        .await?;
    if !answer.status.is_success() {
        return Err(refusal(&answer));
    }
    let decrypted =
        decrypt_response(session_key, answer.text().trim()).map_err(|e| DeviceError::Garbage {
            host: answer.host.clone(),
            what: "encrypted PRT renewal",
            detail: e.to_string(),
        })?;
    let body: PrtBody =
        serde_json::from_slice(decrypted.plaintext.expose()).map_err(|e| DeviceError::Garbage {
            host: answer.host.clone(),
            what: "PRT renewal",
            detail: e.to_string(),
        })?;
    let new_prt = body.refresh_token.ok_or_else(|| DeviceError::Garbage {
        host: answer.host.clone(),
        what: "PRT renewal",
        detail: "no refresh_token".into(),
    })?;
    let expires = seconds(body.refresh_token_expires_in.as_ref()).unwrap_or(14 * 86_400);
    Ok((new_prt, expires))
}

/// A device-only access token (`grant_type: device_token`): succeeds only while the server
/// holds the device enabled. Refusals come back as [`DeviceError::DeviceDisabled`] or
/// [`DeviceError::DeviceDeleted`] when that is what the server said.
pub async fn device_token(
    http: &Http,
    authority: &str,
    tenant: &str,
    device: &DeviceCredential<'_>,
) -> Result<String> {
    let nonce = nonce(http, authority, tenant).await?;
    let claims = json!({
        "grant_type": "device_token",
        "client_id": BROKER,
        "resource": resources::GRAPH,
        "redirect_uri": format!("ms-appx-web://Microsoft.AAD.BrokerPlugin/{BROKER}"),
        "iss": "aad:brokerplugin",
        "request_nonce": nonce,
        "win_ver": WINDOWS_11_VERSION,
    });
    let request = device.sign(&claims)?;
    let answer = http
        .post_form(
            &token_url(authority, tenant),
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("request", &request),
                ("windows_api_version", "2.2"),
            ],
        )
        .await?;
    tokens_from(&answer)
        .map(|t| t.access_token)
        .map_err(device_verdict)
}

/// Maps the authority's device refusals to what they mean for the device.
pub fn device_verdict(e: DeviceError) -> DeviceError {
    use crate::error::aadsts::{DEVICE_DISABLED, DEVICE_NOT_FOUND};
    let codes = e.aadsts_codes();
    if codes.contains(&DEVICE_DISABLED) {
        DeviceError::DeviceDisabled
    } else if codes.contains(&DEVICE_NOT_FOUND) {
        DeviceError::DeviceDeleted
    } else {
        e
    }
}
