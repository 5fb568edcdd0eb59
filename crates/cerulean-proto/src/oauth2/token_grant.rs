//! The validated token request: one variant per grant, carrying exactly what it needs.

use super::token_request::{ClientAuthMethod, TokenRequest};
use super::{GrantType, OAuthError};
use crate::{EndpointVersion, Redacted, aadsts};

/// The audience selector: `scope` (v2) and/or `resource` (v1). Which one is required depends
/// on the endpoint; see [`TokenTarget::require`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenTarget {
    /// `scope`, space-separated.
    pub scope: Option<String>,
    /// `resource`.
    pub resource: Option<String>,
}

impl TokenTarget {
    /// The individual scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
    }

    /// Fails with AADSTS900144 naming `resource` (v1) or `scope` (v2) when neither is present.
    pub fn require(&self, version: EndpointVersion) -> Result<(), OAuthError> {
        if self.scope.is_some() || self.resource.is_some() {
            return Ok(());
        }
        Err(aadsts::missing_parameter(match version {
            EndpointVersion::V1 => "resource",
            EndpointVersion::V2 => "scope",
        }))
    }
}

/// The client: id plus, for confidential clients, the secret and how it arrived.
#[derive(Debug)]
pub struct ClientAuth {
    /// `client_id`.
    pub client_id: String,
    /// The secret, if any.
    pub client_secret: Option<Redacted<String>>,
    /// Where the secret came from.
    pub method: ClientAuthMethod,
}

/// Response options that every user-token grant can ask for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenOptions {
    /// `client_info=1`.
    pub client_info: bool,
    /// `claims` JSON text.
    pub claims: Option<String>,
}

/// `grant_type=authorization_code`.
#[derive(Debug)]
pub struct AuthorizationCodeGrant {
    /// The client.
    pub client: ClientAuth,
    /// `code`.
    pub code: Redacted<String>,
    /// `redirect_uri` (must match the authorize request when that sent one).
    pub redirect_uri: Option<String>,
    /// `code_verifier` (PKCE).
    pub code_verifier: Option<Redacted<String>>,
    /// Audience.
    pub target: TokenTarget,
    /// Response options.
    pub options: TokenOptions,
}

/// `grant_type=password` (ROPC).
#[derive(Debug)]
pub struct PasswordGrant {
    /// The client.
    pub client: ClientAuth,
    /// `username` (a UPN).
    pub username: String,
    /// `password`.
    pub password: Redacted<String>,
    /// Audience.
    pub target: TokenTarget,
    /// Response options.
    pub options: TokenOptions,
}

/// `grant_type=refresh_token`.
#[derive(Debug)]
pub struct RefreshTokenGrant {
    /// The client, when it named itself. The refresh token identifies the client too, and
    /// not every client sends `client_id` on refresh.
    pub client: Option<ClientAuth>,
    /// `refresh_token`.
    pub refresh_token: Redacted<String>,
    /// Audience.
    pub target: TokenTarget,
    /// Response options.
    pub options: TokenOptions,
}

/// The device-code grant (either spelling; code in `device_code` or `code`).
#[derive(Debug)]
pub struct DeviceCodeGrant {
    /// The client.
    pub client: ClientAuth,
    /// The device code.
    pub device_code: Redacted<String>,
    /// Audience (usually absent: the devicecode request fixed it).
    pub target: TokenTarget,
    /// Response options.
    pub options: TokenOptions,
}

/// `grant_type=client_credentials`.
#[derive(Debug)]
pub struct ClientCredentialsGrant {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Redacted<String>,
    /// Where the secret came from.
    pub method: ClientAuthMethod,
    /// Audience.
    pub target: TokenTarget,
}

/// What a jwt-bearer request carries.
#[derive(Debug)]
pub enum JwtBearerCredential {
    /// `request=`: the signed PRT request of MS-OAPXBC (RS256 device-signed or HS256
    /// session-key-signed). Its own `grant_type` claim says which operation.
    Request(Redacted<String>),
    /// `assertion=`: an RFC 7523 assertion.
    Assertion(Redacted<String>),
}

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`.
#[derive(Debug)]
pub struct JwtBearerGrant {
    /// The JWT.
    pub credential: JwtBearerCredential,
    /// `client_id`, when sent in the form (PRT requests carry it inside the JWT).
    pub client_id: Option<String>,
    /// `windows_api_version`.
    pub windows_api_version: Option<String>,
    /// `tgt=true|True`.
    pub tgt: bool,
    /// Audience, if sent in the form.
    pub target: TokenTarget,
    /// Response options.
    pub options: TokenOptions,
}

/// SAML assertion version of a saml bearer grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamlVersion {
    /// `…:saml1_1-bearer`
    Saml11,
    /// `…:saml2-bearer`
    Saml2,
}

/// `grant_type=urn:ietf:params:oauth:grant-type:saml1_1-bearer` / `saml2-bearer`.
#[derive(Debug)]
pub struct SamlBearerGrant {
    /// Which SAML version.
    pub version: SamlVersion,
    /// The client.
    pub client: ClientAuth,
    /// `assertion`: base64 of the SAML XML.
    pub assertion: Redacted<String>,
    /// Audience.
    pub target: TokenTarget,
    /// Response options.
    pub options: TokenOptions,
}

/// A token request validated for its grant.
#[derive(Debug)]
pub enum TokenGrant {
    /// `authorization_code`
    AuthorizationCode(AuthorizationCodeGrant),
    /// `password`
    Password(PasswordGrant),
    /// `refresh_token`
    RefreshToken(RefreshTokenGrant),
    /// device code
    DeviceCode(DeviceCodeGrant),
    /// `client_credentials`
    ClientCredentials(ClientCredentialsGrant),
    /// jwt-bearer (PRT operations)
    JwtBearer(JwtBearerGrant),
    /// `srv_challenge`: ask for a PRT nonce; nothing else is read.
    SrvChallenge,
    /// saml bearer
    SamlBearer(SamlBearerGrant),
}

impl TokenGrant {
    /// The grant type this value was built from.
    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode(_) => GrantType::AuthorizationCode,
            Self::Password(_) => GrantType::Password,
            Self::RefreshToken(_) => GrantType::RefreshToken,
            Self::DeviceCode(_) => GrantType::DeviceCode,
            Self::ClientCredentials(_) => GrantType::ClientCredentials,
            Self::JwtBearer(_) => GrantType::JwtBearer,
            Self::SrvChallenge => GrantType::SrvChallenge,
            Self::SamlBearer(g) => match g.version {
                SamlVersion::Saml11 => GrantType::Saml11Bearer,
                SamlVersion::Saml2 => GrantType::Saml2Bearer,
            },
        }
    }
}

fn required<T>(value: Option<T>, name: &str) -> Result<T, OAuthError> {
    value.ok_or_else(|| aadsts::missing_parameter(name))
}

impl TryFrom<TokenRequest> for TokenGrant {
    type Error = OAuthError;

    fn try_from(mut r: TokenRequest) -> Result<Self, OAuthError> {
        let grant_type = required(r.grant_type.take(), "grant_type")?;
        let target = TokenTarget {
            scope: r.scope.take(),
            resource: r.resource.take(),
        };
        let options = TokenOptions {
            client_info: r.client_info,
            claims: r.claims.take(),
        };
        let method = r.client_auth_method;
        let client = |r: &mut TokenRequest| -> Result<ClientAuth, OAuthError> {
            Ok(ClientAuth {
                client_id: required(r.client_id.take(), "client_id")?,
                client_secret: r.client_secret.take(),
                method,
            })
        };
        Ok(match grant_type {
            GrantType::AuthorizationCode => {
                let code = required(r.code.take(), "code")?;
                Self::AuthorizationCode(AuthorizationCodeGrant {
                    client: client(&mut r)?,
                    code,
                    redirect_uri: r.redirect_uri.take(),
                    code_verifier: r.code_verifier.take(),
                    target,
                    options,
                })
            }
            GrantType::Password => {
                let username = required(r.username.take(), "username")?;
                let password = required(r.password.take(), "password")?;
                Self::Password(PasswordGrant {
                    client: client(&mut r)?,
                    username,
                    password,
                    target,
                    options,
                })
            }
            GrantType::RefreshToken => {
                let refresh_token = required(r.refresh_token.take(), "refresh_token")?;
                let client = match r.client_id.is_some() {
                    true => Some(client(&mut r)?),
                    false => None,
                };
                Self::RefreshToken(RefreshTokenGrant {
                    client,
                    refresh_token,
                    target,
                    options,
                })
            }
            GrantType::DeviceCode => {
                let device_code = device_code(&mut r)?;
                Self::DeviceCode(DeviceCodeGrant {
                    client: client(&mut r)?,
                    device_code,
                    target,
                    options,
                })
            }
            GrantType::ClientCredentials => {
                let c = client(&mut r)?;
                let client_secret = c.client_secret.ok_or_else(aadsts::client_secret_required)?;
                Self::ClientCredentials(ClientCredentialsGrant {
                    client_id: c.client_id,
                    client_secret,
                    method: c.method,
                    target,
                })
            }
            GrantType::JwtBearer => {
                let credential = match (r.request.take(), r.assertion.take()) {
                    (Some(req), None) => JwtBearerCredential::Request(req),
                    (None, Some(a)) => JwtBearerCredential::Assertion(a),
                    (None, None) => return Err(aadsts::missing_parameter("request")),
                    (Some(_), Some(_)) => {
                        return Err(aadsts::malformed_request(
                            "Send either 'request' or 'assertion', not both.",
                        ));
                    }
                };
                Self::JwtBearer(JwtBearerGrant {
                    credential,
                    client_id: r.client_id.take(),
                    windows_api_version: r.windows_api_version.take(),
                    tgt: r.tgt,
                    target,
                    options,
                })
            }
            GrantType::SrvChallenge => Self::SrvChallenge,
            GrantType::Saml11Bearer | GrantType::Saml2Bearer => {
                let version = match grant_type {
                    GrantType::Saml11Bearer => SamlVersion::Saml11,
                    _ => SamlVersion::Saml2,
                };
                let assertion = required(r.assertion.take(), "assertion")?;
                Self::SamlBearer(SamlBearerGrant {
                    version,
                    client: client(&mut r)?,
                    assertion,
                    target,
                    options,
                })
            }
            GrantType::Other(other) => {
                let shown: String = other.chars().take(64).collect();
                return Err(aadsts::unsupported_grant_type(shown));
            }
        })
    }
}

/// The device code from `device_code` (RFC 8628, libhimmelblau, msal-node) or `code`
/// (roadtx); msal-python sends both with the same value.
fn device_code(r: &mut TokenRequest) -> Result<Redacted<String>, OAuthError> {
    match (r.device_code.take(), r.code.take()) {
        (Some(d), Some(c)) if d.expose() != c.expose() => Err(aadsts::malformed_request(
            "The parameters 'device_code' and 'code' disagree.",
        )),
        (Some(d), _) => Ok(d),
        (None, Some(c)) => Ok(c),
        (None, None) => Err(aadsts::missing_parameter("device_code")),
    }
}
