//! What can go wrong on the device, each in words a person can act on.
//!
//! Every variant's `Display` says what happened; [`DeviceError::next_step`] says what to
//! do about it. The CLI and the TUI show both; neither ever shows a Rust debug dump.

use std::path::PathBuf;

/// The device's error type.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No answer from a service (no route, refused, timed out, dropped mid-answer).
    #[error("can't reach {host}: {detail}")]
    Network { host: String, detail: String },

    /// The service's TLS certificate is not trusted (or not valid for its name).
    #[error("the certificate of {host} isn't trusted: {detail}")]
    UntrustedServer { host: String, detail: String },

    /// The service answered with something that is not the protocol's message.
    #[error("{host} sent an answer that isn't a valid {what}: {detail}")]
    Garbage {
        host: String,
        what: &'static str,
        detail: String,
    },

    /// The authority refused a sign-in or token request (OAuth 2.0 error).
    #[error("{}", describe_oauth(.error, .codes, .description))]
    SignInRefused {
        /// OAuth `error`.
        error: String,
        /// `error_codes` (AADSTS numbers).
        codes: Vec<u32>,
        /// `error_description`.
        description: String,
    },

    /// The Device Registration Service refused the request (DRS error body).
    #[error("the device registration service refused: {message} ({code})")]
    RegistrationRefused {
        /// `ErrorType`, e.g. `DirectoryError`, `AuthorizationError`.
        code: String,
        /// The server's message.
        message: String,
        /// HTTP status.
        status: u16,
    },

    /// The issued certificate does not belong to this device's key.
    #[error("the server issued a certificate that doesn't match this device's key ({detail})")]
    CertificateMismatch { detail: String },

    /// The command needs a joined device.
    #[error("this device isn't joined or registered to an organization")]
    NotJoined,

    /// A second join without leaving first.
    #[error("this device is already connected to {tenant} (as {upn})")]
    AlreadyJoined { tenant: String, upn: String },

    /// The organization disabled the device object.
    #[error("your organization has disabled this device")]
    DeviceDisabled,

    /// The device object no longer exists in the organization's directory.
    #[error("this device was deleted from your organization's directory")]
    DeviceDeleted,

    /// Windows Home cannot join an organization.
    #[error("this edition ({edition}) can't join an organization; it can only register")]
    EditionCannotJoin { edition: String },

    /// The user's domain signs in at the organization's own identity provider.
    #[error("{upn} signs in at your organization's identity provider ({idp})")]
    FederatedSignInRequired { upn: String, idp: String },

    /// The user's domain is not known to the service.
    #[error("no organization uses the domain of {upn}")]
    UnknownRealm { upn: String },

    /// The device-code sign-in was not completed in time or was declined.
    #[error("the sign-in on the other device did not complete: {0}")]
    DeviceCodeNotCompleted(String),

    /// Reading or writing the state directory failed.
    #[error("can't use the device state in {}: {detail}", .path.display())]
    State { path: PathBuf, detail: String },

    /// A key or certificate operation failed.
    #[error("key operation failed: {0}")]
    Crypto(#[from] cerulean_crypto::CryptoError),

    /// A command-line or TUI input that can't be used.
    #[error("{0}")]
    Input(String),
}

/// The device's result type.
pub type Result<T> = std::result::Result<T, DeviceError>;

/// AADSTS codes the device explains in plain words.
pub mod aadsts {
    pub const INVALID_PASSWORD: u32 = 50126;
    pub const USER_NOT_FOUND: u32 = 50034;
    pub const ACCOUNT_LOCKED: u32 = 50053;
    pub const USER_DISABLED: u32 = 50057;
    pub const MFA_REQUIRED: u32 = 50076;
    pub const MFA_REQUIRED_INTERACTIVE: u32 = 50079;
    pub const DEVICE_DISABLED: u32 = 135011;
    pub const DEVICE_NOT_FOUND: u32 = 700003;
    pub const AUTHORIZATION_PENDING: u32 = 70016;
    pub const DEVICE_CODE_EXPIRED: u32 = 70020;
    pub const FEDERATED_USER: u32 = 50107;
}

fn describe_oauth(error: &str, codes: &[u32], description: &str) -> String {
    let plain = codes.iter().find_map(|c| match *c {
        aadsts::INVALID_PASSWORD => Some("your account or password is incorrect"),
        aadsts::USER_NOT_FOUND => Some("that account doesn't exist in the organization"),
        aadsts::ACCOUNT_LOCKED => {
            Some("your account is locked because of too many sign-in attempts")
        }
        aadsts::USER_DISABLED => Some("your account has been disabled"),
        aadsts::MFA_REQUIRED | aadsts::MFA_REQUIRED_INTERACTIVE => {
            Some("your organization requires multifactor authentication for this sign-in")
        }
        aadsts::DEVICE_DISABLED => Some("your organization has disabled this device"),
        aadsts::DEVICE_NOT_FOUND => Some("this device no longer exists in your organization"),
        _ => None,
    });
    let first_line = description.lines().next().unwrap_or_default();
    match (plain, codes.first()) {
        (Some(plain), Some(code)) => format!("{plain} (AADSTS{code})"),
        (_, Some(code)) => format!("sign-in refused: {first_line} (AADSTS{code}, {error})"),
        _ => format!("sign-in refused: {first_line} ({error})"),
    }
}

impl DeviceError {
    /// What the person should do next.
    pub fn next_step(&self) -> String {
        match self {
            Self::Network { .. } => "Your device must be connected to the Internet. Check the \
                 network cable or Wi-Fi and the server address, then try again."
                .into(),
            Self::UntrustedServer { .. } => "Check that the server address is right. In a lab, \
                 pass the organization's CA certificate with --ca-file."
                .into(),
            Self::Garbage { .. } => "Check that the server address points at your \
                 organization's sign-in service. If it does, tell your IT administrator."
                .into(),
            Self::SignInRefused { codes, .. } => oauth_next_step(codes),
            Self::RegistrationRefused { .. } => "Ask your IT administrator whether you may \
                 join devices, and how many devices you may have."
                .into(),
            Self::CertificateMismatch { .. } => "Nothing was saved. Try again; if it happens \
                 again, tell your IT administrator."
                .into(),
            Self::NotJoined => {
                "Run `cerulean-device join` (or `cerulean-device oobe`) first.".into()
            }
            Self::AlreadyJoined { .. } => "To connect to another organization, run \
                 `cerulean-device leave` first."
                .into(),
            Self::DeviceDisabled | Self::DeviceDeleted => "Contact your IT administrator. To \
                 join this device again once they allow it, run `cerulean-device join --rejoin`."
                .into(),
            Self::EditionCannotJoin { .. } => "Register the device instead: `cerulean-device \
                 register`, or set up the device with a Pro, Enterprise or Education edition."
                .into(),
            Self::FederatedSignInRequired { .. } => "Sign in with your organization's sign-in \
                 page: run `cerulean-device join --device-code` and complete the sign-in in a \
                 browser, or pass a token from your identity provider with --access-token-file."
                .into(),
            Self::UnknownRealm { .. } => "Check the email address. If it is right, your \
                 organization hasn't set up this service yet."
                .into(),
            Self::DeviceCodeNotCompleted(_) => "Start again and complete the sign-in in the \
                 browser before the code expires."
                .into(),
            Self::State { .. } => "Check that the state directory exists, belongs to you and \
                 has free space (see --state-dir)."
                .into(),
            Self::Crypto(_) => "Try again. If it keeps failing, run `cerulean-device leave \
                 --local` and set up the device again."
                .into(),
            Self::Input(_) => "See `cerulean-device --help`.".into(),
        }
    }

    /// Whether retrying the same step later may succeed (the network, not the answer).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Network { .. })
    }

    /// The AADSTS codes of an OAuth refusal, empty otherwise.
    pub fn aadsts_codes(&self) -> &[u32] {
        match self {
            Self::SignInRefused { codes, .. } => codes,
            _ => &[],
        }
    }

    pub(crate) fn state(path: impl Into<PathBuf>, e: impl std::fmt::Display) -> Self {
        Self::State {
            path: path.into(),
            detail: e.to_string(),
        }
    }
}

fn oauth_next_step(codes: &[u32]) -> String {
    let step = codes.iter().find_map(|c| match *c {
        aadsts::INVALID_PASSWORD => Some("Check your password and try again."),
        aadsts::USER_NOT_FOUND => Some("Check the email address and try again."),
        aadsts::ACCOUNT_LOCKED => {
            Some("Wait a few minutes and try again, or ask your IT administrator to unlock it.")
        }
        aadsts::USER_DISABLED => Some("Contact your IT administrator."),
        aadsts::MFA_REQUIRED | aadsts::MFA_REQUIRED_INTERACTIVE => Some(
            "Sign in with `--device-code` and complete multifactor authentication in a browser.",
        ),
        aadsts::DEVICE_DISABLED | aadsts::DEVICE_NOT_FOUND => Some(
            "Contact your IT administrator; once allowed, run `cerulean-device join --rejoin`.",
        ),
        _ => None,
    });
    step.unwrap_or("Try again; if it keeps failing, tell your IT administrator the code above.")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_password_reads_as_such() {
        let e = DeviceError::SignInRefused {
            error: "invalid_grant".into(),
            codes: vec![aadsts::INVALID_PASSWORD],
            description: "AADSTS50126: Error validating credentials".into(),
        };
        assert_eq!(
            e.to_string(),
            "your account or password is incorrect (AADSTS50126)"
        );
        assert!(e.next_step().contains("password"));
        assert!(!e.is_transient());
    }

    #[test]
    fn an_unknown_code_keeps_the_servers_first_line() {
        let e = DeviceError::SignInRefused {
            error: "invalid_request".into(),
            codes: vec![90014],
            description: "AADSTS90014: The request body must contain x.\r\nTrace ID: 1".into(),
        };
        let text = e.to_string();
        assert!(text.contains("must contain x"), "{text}");
        assert!(!text.contains("Trace ID"), "{text}");
    }

    #[test]
    fn only_the_network_is_transient() {
        let e = DeviceError::Network {
            host: "login.test".into(),
            detail: "connection refused".into(),
        };
        assert!(e.is_transient());
        assert!(e.next_step().contains("connected to the Internet"));
    }
}
