//! How DRS callers authenticate: a user's DRS bearer token (join, register, key
//! registration), or the device's own certificate as TLS client certificate (update,
//! delete; PROTOCOLS.md §4.7).

use cerulean_directory::{Device, DirectoryResult, User};
use cerulean_proto::drs::{DRS_APP_ID, DRS_RESOURCE_ID, DrsError, KppError};
use http::{Extensions, HeaderMap, header};

use crate::app::AppState;
use crate::authority::{TokenError, ValidatedToken, validate_access_token};
use crate::serve::ConnectionInfo;

/// The audiences the DRS accepts: the resource URN the authority puts in DRS tokens
/// (`resource=urn:ms-drs:enterpriseregistration.windows.net`, also for the `01cb2876-…`
/// scope) and the bare application id. Compared ignoring case and a trailing slash.
pub const DRS_AUDIENCES: &[&str] = &[DRS_RESOURCE_ID, DRS_APP_ID];

/// A validated user token.
#[derive(Debug, Clone)]
pub struct DrsUser {
    pub token: ValidatedToken,
    pub user: User,
}

/// Why a bearer token was not good enough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerFailure {
    Missing,
    Invalid(TokenError),
    AppOnly,
}

impl BearerFailure {
    fn message(&self) -> String {
        match self {
            Self::Missing => "A bearer access token for the device registration service \
                 (resource urn:ms-drs:enterpriseregistration.windows.net) is required."
                .to_owned(),
            Self::Invalid(TokenError::WrongAudience) => "The access token is not for the \
                 device registration service: request it for resource \
                 urn:ms-drs:enterpriseregistration.windows.net."
                .to_owned(),
            Self::Invalid(e) => format!("The access token was refused: {e}."),
            Self::AppOnly => "The access token has no user: sign in as the user who \
                 registers the device."
                .to_owned(),
        }
    }

    /// As a DRS error: 401, or 500 when validation itself failed.
    pub fn to_drs(&self) -> DrsError {
        match self {
            Self::Invalid(TokenError::Unavailable) => DrsError::directory_error(),
            _ => DrsError::authentication(self.message()),
        }
    }

    /// As a KPP error (`invalid_token`, 401; 400 `directory_error` when validation failed).
    pub fn to_kpp(&self) -> KppError {
        match self {
            Self::Invalid(TokenError::Unavailable) => KppError::directory_error(),
            _ => KppError::invalid_token(self.message()),
        }
    }
}

/// The token of `Authorization: Bearer …`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Validates the request's bearer token for the DRS and requires a user.
pub async fn user_token(state: &AppState, headers: &HeaderMap) -> Result<DrsUser, BearerFailure> {
    let token = bearer(headers).ok_or(BearerFailure::Missing)?;
    let token = validate_access_token(state, token, DRS_AUDIENCES)
        .await
        .map_err(BearerFailure::Invalid)?;
    match token.user.clone() {
        Some(user) => Ok(DrsUser { token, user }),
        None => Err(BearerFailure::AppOnly),
    }
}

/// The registered device whose certificate the client presented in the TLS handshake:
/// found by thumbprint and public key, and byte-equal to the stored certificate. `None`
/// without a certificate (or a connection, when the router runs without sockets), or
/// when it is no device's current certificate (e.g. replaced by a re-join). The TLS layer
/// has already checked that it chains to a tenant's device CA.
pub async fn certificate_device(
    state: &AppState,
    extensions: &Extensions,
) -> DirectoryResult<Option<Device>> {
    let Some(cert) = extensions
        .get::<ConnectionInfo>()
        .and_then(ConnectionInfo::client_certificate)
    else {
        return Ok(None);
    };
    let device = state.directory.device_by_certificate(cert.as_ref()).await?;
    Ok(device.filter(|d| d.cert_der.as_slice() == cert.as_ref()))
}

/// Whether the client presented any TLS client certificate.
pub fn has_client_certificate(extensions: &Extensions) -> bool {
    extensions
        .get::<ConnectionInfo>()
        .and_then(ConnectionInfo::client_certificate)
        .is_some()
}
