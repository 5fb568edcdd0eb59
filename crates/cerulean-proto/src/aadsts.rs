//! The catalogue of AADSTS-coded OAuth errors Cerulean emits.
//!
//! The numbers are Entra's (clients key behaviour off them, PROTOCOLS.md §2.2); the sentences
//! are ours. Each constructor returns an unstamped [`OAuthError`]; the server adds the trace
//! fields with [`OAuthError::with_trace`]. Where we are unsure that Entra uses exactly this
//! number for exactly this condition, the constructor says so.

use crate::oauth2::{ErrorCode, OAuthError};
use std::fmt::Display;

/// The numbers, for matching on [`OAuthError::aadsts`].
pub mod code {
    /// Generic service-side failure.
    pub const SERVER_ERROR: u32 = 50000;
    /// Redirect URI not registered for the application.
    pub const REDIRECT_URI_MISMATCH: u32 = 50011;
    /// User account does not exist in the directory.
    pub const USER_NOT_FOUND: u32 = 50034;
    /// Unknown or invalid instance (instance discovery).
    pub const INVALID_INSTANCE: u32 = 50049;
    /// Account locked by smart lockout.
    pub const ACCOUNT_LOCKED: u32 = 50053;
    /// Password expired.
    pub const PASSWORD_EXPIRED: u32 = 50055;
    /// User account disabled.
    pub const USER_DISABLED: u32 = 50057;
    /// No tenant-identifying information in the request (`common` where a tenant is needed).
    pub const NO_TENANT_INFORMATION: u32 = 50059;
    /// Silent sign-in requested but no session.
    pub const NO_SESSION: u32 = 50058;
    /// Multi-factor authentication required.
    pub const MFA_REQUIRED: u32 = 50076;
    /// MFA registration required.
    pub const MFA_REGISTRATION_REQUIRED: u32 = 50079;
    /// Invalid username or password.
    pub const INVALID_CREDENTIALS: u32 = 50126;
    /// SSO artifact (PRT, session) invalid or revoked.
    pub const SSO_ARTIFACT_INVALID: u32 = 50132;
    /// Device authentication failed.
    pub const DEVICE_AUTHENTICATION_FAILED: u32 = 50155;
    /// The grant was revoked (e.g. password change); a fresh sign-in is needed.
    pub const FRESH_TOKEN_NEEDED: u32 = 50173;
    /// Authorization code already redeemed.
    pub const CODE_ALREADY_REDEEMED: u32 = 54005;
    /// User declined consent / sign-in.
    pub const USER_DECLINED: u32 = 65004;
    /// Generic invalid grant.
    pub const INVALID_GRANT: u32 = 70000;
    /// Client credentials could not be validated.
    pub const CLIENT_CREDENTIALS_INVALID: u32 = 70002;
    /// Unsupported grant type.
    pub const UNSUPPORTED_GRANT_TYPE: u32 = 70003;
    /// Refresh token expired or revoked.
    pub const REFRESH_TOKEN_EXPIRED: u32 = 70008;
    /// Invalid scope.
    pub const INVALID_SCOPE: u32 = 70011;
    /// Device flow: user has not finished yet.
    pub const AUTHORIZATION_PENDING: u32 = 70016;
    /// Device flow: wrong user code.
    pub const BAD_VERIFICATION_CODE: u32 = 70018;
    /// Device flow: device code expired.
    pub const DEVICE_CODE_EXPIRED: u32 = 70019;
    /// Tenant not found.
    pub const TENANT_NOT_FOUND: u32 = 90002;
    /// Transient service failure.
    pub const TEMPORARILY_UNAVAILABLE: u32 = 90033;
    /// Device disabled.
    pub const DEVICE_DISABLED: u32 = 135011;
    /// Resource principal not found in the tenant.
    pub const RESOURCE_NOT_FOUND: u32 = 500011;
    /// PKCE `code_verifier` does not match the `code_challenge`.
    pub const PKCE_MISMATCH: u32 = 501481;
    /// PKCE `code_challenge` malformed (length).
    pub const PKCE_CHALLENGE_INVALID: u32 = 501491;
    /// Device object not found in the directory.
    pub const DEVICE_NOT_FOUND: u32 = 700003;
    /// Application not found in the directory.
    pub const APPLICATION_NOT_FOUND: u32 = 700016;
    /// Missing request parameter.
    pub const MISSING_PARAMETER: u32 = 900144;
    /// Invalid client secret.
    pub const INVALID_CLIENT_SECRET: u32 = 7000215;
    /// Confidential client sent neither a secret nor an assertion.
    pub const CLIENT_SECRET_REQUIRED: u32 = 7000218;
    /// Malformed request.
    pub const MALFORMED_REQUEST: u32 = 9002313;
}

// ---- users and credentials -------------------------------------------------------------

/// 50034: the user does not exist in the tenant.
pub fn user_not_found(upn: impl Display, tenant: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::USER_NOT_FOUND,
        format_args!(
            "The user account {upn} does not exist in the {tenant} directory. To sign in, the \
             account has to be added to that directory first."
        ),
    )
}

/// 50126: wrong username or password.
pub fn invalid_username_or_password() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::INVALID_CREDENTIALS,
        "The username or the password is not correct.",
    )
}

/// 50057: the user account is disabled.
pub fn user_disabled() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::USER_DISABLED,
        "This user account has been disabled by an administrator.",
    )
}

/// 50053: the account is locked after too many failed sign-ins (smart lockout).
pub fn account_locked() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::ACCOUNT_LOCKED,
        "The account is temporarily locked after too many failed sign-in attempts. Try again \
         later.",
    )
}

/// 50055: the password has expired (suberror `user_password_expired`).
pub fn password_expired() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::PASSWORD_EXPIRED,
        "The password has expired and must be changed before signing in.",
    )
    .with_suberror("user_password_expired")
}

/// 50076: multi-factor authentication is required (suberror `basic_action`).
///
/// Entra answers `invalid_grant` for ROPC and `interaction_required` where a browser can step
/// in; MSAL treats both as "needs interaction". We use `interaction_required`.
pub fn mfa_required(resource: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InteractionRequired,
        code::MFA_REQUIRED,
        format_args!("Multi-factor authentication is required to access '{resource}'."),
    )
    .with_suberror("basic_action")
}

/// 50079: the user has to register a second factor first.
pub fn mfa_registration_required() -> OAuthError {
    OAuthError::new(
        ErrorCode::InteractionRequired,
        code::MFA_REGISTRATION_REQUIRED,
        "The user must register for multi-factor authentication before signing in.",
    )
    .with_suberror("basic_action")
}

/// 50058: `prompt=none` (or a silent request) but there is no signed-in session.
pub fn no_session() -> OAuthError {
    OAuthError::new(
        ErrorCode::LoginRequired,
        code::NO_SESSION,
        "A silent sign-in was requested but no user is signed in.",
    )
}

/// 65004: the user declined to sign in or to consent.
pub fn user_declined() -> OAuthError {
    OAuthError::new(
        ErrorCode::AccessDenied,
        code::USER_DECLINED,
        "The user declined the request.",
    )
}

// ---- grants ------------------------------------------------------------------------------

/// 70000: the grant is invalid for an unspecified reason (`why` is shown to the caller).
pub fn invalid_grant(why: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::INVALID_GRANT,
        format_args!("The provided grant is invalid: {why}"),
    )
}

/// 70008: the refresh token has expired or was revoked.
pub fn refresh_token_expired() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::REFRESH_TOKEN_EXPIRED,
        "The refresh token has expired or was revoked. Sign in again to get a new one.",
    )
}

/// 70008: the authorization code has expired.
pub fn code_expired() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::REFRESH_TOKEN_EXPIRED,
        "The authorization code has expired. Start the sign-in again.",
    )
}

/// 50173: the grant was revoked, for example because the password changed after the
/// sign-in it came from.
pub fn fresh_token_needed() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::FRESH_TOKEN_NEEDED,
        "The grant was revoked, for example after a password change. Sign in again.",
    )
}

/// 54005: the authorization code was already used.
pub fn code_already_redeemed() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::CODE_ALREADY_REDEEMED,
        "The authorization code has already been redeemed.",
    )
}

/// 501481: the PKCE `code_verifier` does not match the `code_challenge`.
pub fn pkce_mismatch() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::PKCE_MISMATCH,
        "The code_verifier does not match the code_challenge sent with the authorization \
         request.",
    )
}

/// 501491: the PKCE `code_challenge` is malformed.
///
/// Unsure: Entra uses 501491 for a wrong challenge *length*; we use it for any malformed
/// challenge or unsupported `code_challenge_method`.
pub fn pkce_challenge_invalid(why: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        code::PKCE_CHALLENGE_INVALID,
        format_args!("The code_challenge is not valid: {why}"),
    )
}

/// 50011: the redirect URI is not registered for the application.
pub fn redirect_uri_mismatch(redirect_uri: impl Display, client_id: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        code::REDIRECT_URI_MISMATCH,
        format_args!(
            "The redirect URI '{redirect_uri}' is not registered for the application \
             '{client_id}'."
        ),
    )
}

/// 50132: the SSO artifact (PRT or session) is invalid, expired or revoked.
pub fn sso_artifact_invalid() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::SSO_ARTIFACT_INVALID,
        "The single sign-on session is no longer valid, for example after a password change \
         or revocation. Sign in again.",
    )
}

// ---- clients, resources, tenants ---------------------------------------------------------

/// 70002: the client credentials could not be validated (also malformed client auth).
pub fn client_credentials_invalid(why: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidClient,
        code::CLIENT_CREDENTIALS_INVALID,
        format_args!("The client credentials could not be validated: {why}"),
    )
}

/// 7000215: the client secret is wrong.
pub fn invalid_client_secret(client_id: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidClient,
        code::INVALID_CLIENT_SECRET,
        format_args!("The client secret provided for application '{client_id}' is not valid."),
    )
}

/// 7000218: a confidential client authenticated with neither a secret nor an assertion.
pub fn client_secret_required() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidClient,
        code::CLIENT_SECRET_REQUIRED,
        "The request body must contain the following parameter: 'client_assertion' or \
         'client_secret'.",
    )
}

/// 700016: the application is not known in the tenant.
pub fn application_not_found(client_id: impl Display, tenant: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::UnauthorizedClient,
        code::APPLICATION_NOT_FOUND,
        format_args!(
            "No application with identifier '{client_id}' exists in the directory '{tenant}'."
        ),
    )
}

/// 500011: the requested resource is not known in the tenant.
pub fn resource_not_found(resource: impl Display, tenant: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidResource,
        code::RESOURCE_NOT_FOUND,
        format_args!("The resource principal '{resource}' was not found in the tenant '{tenant}'."),
    )
}

/// 70011: the scope is malformed or not allowed.
pub fn invalid_scope(scope: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidScope,
        code::INVALID_SCOPE,
        format_args!("The requested scope '{scope}' is not valid."),
    )
}

/// 90002: the tenant segment names no tenant.
pub fn tenant_not_found(tenant: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        code::TENANT_NOT_FOUND,
        format_args!("No tenant named '{tenant}' was found."),
    )
}

/// 50059: the endpoint was called as `common` or `organizations` where the request must
/// name a tenant (the client credentials grant).
pub fn no_tenant_information() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        code::NO_TENANT_INFORMATION,
        "No tenant-identifying information was found in the request. Use a tenant-specific \
         endpoint (the tenant id or a verified domain instead of 'common').",
    )
}

/// 50049: instance discovery for an authority this server does not serve.
pub fn invalid_instance() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidInstance,
        code::INVALID_INSTANCE,
        "The authority is not a known instance.",
    )
}

// ---- request syntax ----------------------------------------------------------------------

/// 900144: a required parameter is missing.
pub fn missing_parameter(name: &str) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        code::MISSING_PARAMETER,
        format_args!("The request body must contain the following parameter: '{name}'."),
    )
}

/// 70003: the grant type is not supported.
pub fn unsupported_grant_type(grant_type: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::UnsupportedGrantType,
        code::UNSUPPORTED_GRANT_TYPE,
        format_args!("The grant type '{grant_type}' is not supported."),
    )
}

/// 9002313: the request is malformed (`why` names the problem; never echo secrets in it).
pub fn malformed_request(why: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequest,
        code::MALFORMED_REQUEST,
        format_args!("The request is malformed or not valid: {why}"),
    )
}

// ---- device-code flow --------------------------------------------------------------------

/// 70016: the user has not completed the device-code sign-in yet.
pub fn authorization_pending() -> OAuthError {
    OAuthError::new(
        ErrorCode::AuthorizationPending,
        code::AUTHORIZATION_PENDING,
        "The user has not finished signing in yet. Keep polling.",
    )
}

/// `slow_down`: the client polls faster than `interval`.
///
/// Unsure: no documented Entra number for this; we reuse 70016 (the pending family).
pub fn slow_down() -> OAuthError {
    OAuthError::new(
        ErrorCode::SlowDown,
        code::AUTHORIZATION_PENDING,
        "The client is polling too often. Wait at least the interval between requests.",
    )
}

/// 70019: the device code has expired.
pub fn device_code_expired() -> OAuthError {
    OAuthError::new(
        ErrorCode::ExpiredToken,
        code::DEVICE_CODE_EXPIRED,
        "The device code has expired. Start a new sign-in.",
    )
}

/// 70018: the device code is unknown.
pub fn bad_verification_code() -> OAuthError {
    OAuthError::new(
        ErrorCode::BadVerificationCode,
        code::BAD_VERIFICATION_CODE,
        "The device code is not valid.",
    )
}

/// `authorization_declined`: the user refused the device-code sign-in.
///
/// Unsure: we know of no dedicated Entra number; we use 70000 (generic invalid grant).
pub fn authorization_declined() -> OAuthError {
    OAuthError::new(
        ErrorCode::AuthorizationDeclined,
        code::INVALID_GRANT,
        "The user declined the sign-in request.",
    )
}

// ---- devices -----------------------------------------------------------------------------

/// 135011: the device used for authentication is disabled.
pub fn device_disabled() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::DEVICE_DISABLED,
        "The device used for this sign-in is disabled.",
    )
}

/// 700003: the device object does not exist in the directory.
pub fn device_not_found(tenant: impl Display) -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::DEVICE_NOT_FOUND,
        format_args!("The device object was not found in the directory of tenant '{tenant}'."),
    )
}

/// 50155: device authentication failed (bad device signature or certificate).
///
/// Unsure of the exact Entra wording's scope; the number is the one Entra reports for failed
/// device authentication.
pub fn device_authentication_failed() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidGrant,
        code::DEVICE_AUTHENTICATION_FAILED,
        "Device authentication failed.",
    )
}

// ---- service -----------------------------------------------------------------------------

/// 50000: an internal failure. The sentence never carries internals.
pub fn server_error() -> OAuthError {
    OAuthError::new(
        ErrorCode::ServerError,
        code::SERVER_ERROR,
        "The sign-in service hit an internal error. Try again.",
    )
}

/// 90033: a transient failure.
///
/// Unsure: Entra documents 90033 for a directory-service outage; we use it for any transient
/// unavailability.
pub fn temporarily_unavailable() -> OAuthError {
    OAuthError::new(
        ErrorCode::TemporarilyUnavailable,
        code::TEMPORARILY_UNAVAILABLE,
        "The service is temporarily unavailable. Try again later.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_starts_with_code() {
        let e = missing_parameter("grant_type");
        assert_eq!(
            e.error_description,
            "AADSTS900144: The request body must contain the following parameter: 'grant_type'."
        );
        assert_eq!(e.error_codes, vec![900144]);
        assert_eq!(e.error, ErrorCode::InvalidRequest);
    }

    #[test]
    fn invalid_client_is_401() {
        assert_eq!(invalid_client_secret("x").http_status(), 401);
        assert_eq!(user_not_found("a@b", "b").http_status(), 400);
    }

    #[test]
    fn every_description_matches_its_code() {
        let all = [
            user_not_found("u", "t"),
            invalid_username_or_password(),
            user_disabled(),
            account_locked(),
            password_expired(),
            mfa_required("r"),
            mfa_registration_required(),
            no_session(),
            user_declined(),
            invalid_grant("x."),
            refresh_token_expired(),
            code_expired(),
            fresh_token_needed(),
            no_tenant_information(),
            code_already_redeemed(),
            pkce_mismatch(),
            pkce_challenge_invalid("x."),
            redirect_uri_mismatch("r", "c"),
            sso_artifact_invalid(),
            client_credentials_invalid("x."),
            invalid_client_secret("c"),
            client_secret_required(),
            application_not_found("c", "t"),
            resource_not_found("r", "t"),
            invalid_scope("s"),
            tenant_not_found("t"),
            invalid_instance(),
            missing_parameter("p"),
            unsupported_grant_type("g"),
            malformed_request("x."),
            authorization_pending(),
            slow_down(),
            device_code_expired(),
            bad_verification_code(),
            authorization_declined(),
            device_disabled(),
            device_not_found("t"),
            device_authentication_failed(),
            server_error(),
            temporarily_unavailable(),
        ];
        for e in all {
            let code = e.aadsts().unwrap_or_default();
            assert!(
                e.error_description.starts_with(&format!("AADSTS{code}: ")),
                "{e:?}"
            );
            assert!(e.error_description.ends_with('.'), "{e:?}");
        }
    }
}
