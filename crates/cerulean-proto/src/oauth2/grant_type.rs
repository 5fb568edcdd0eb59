//! The `grant_type` parameter (PROTOCOLS.md §2.1, INTEROP.md §3.7).

use std::fmt;

/// URN of the RFC 8628 device-code grant.
pub const DEVICE_CODE_URN: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// URN of the RFC 7523 JWT-bearer grant (carries every PRT operation).
pub const JWT_BEARER_URN: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// URN of the SAML 1.1 bearer grant (federated users).
pub const SAML11_BEARER_URN: &str = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";
/// URN of the RFC 7522 SAML 2.0 bearer grant.
pub const SAML2_BEARER_URN: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/// A `grant_type` value. Parsing never fails; unknown values land in [`GrantType::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GrantType {
    /// `authorization_code`
    AuthorizationCode,
    /// `password` (ROPC)
    Password,
    /// `refresh_token`
    RefreshToken,
    /// `urn:ietf:params:oauth:grant-type:device_code`, or `device_code` as msal-node sends it.
    DeviceCode,
    /// `client_credentials`
    ClientCredentials,
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer`
    JwtBearer,
    /// `srv_challenge` (PRT nonce)
    SrvChallenge,
    /// `urn:ietf:params:oauth:grant-type:saml1_1-bearer`
    Saml11Bearer,
    /// `urn:ietf:params:oauth:grant-type:saml2-bearer`
    Saml2Bearer,
    /// Anything else, verbatim.
    Other(String),
}

impl GrantType {
    /// Parses a wire value (case-sensitive, as RFC 6749 values are).
    pub fn parse(value: &str) -> Self {
        match value {
            "authorization_code" => Self::AuthorizationCode,
            "password" => Self::Password,
            "refresh_token" => Self::RefreshToken,
            DEVICE_CODE_URN | "device_code" => Self::DeviceCode,
            "client_credentials" => Self::ClientCredentials,
            JWT_BEARER_URN => Self::JwtBearer,
            "srv_challenge" => Self::SrvChallenge,
            SAML11_BEARER_URN => Self::Saml11Bearer,
            SAML2_BEARER_URN => Self::Saml2Bearer,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The canonical wire value (the URN for device code).
    pub fn as_str(&self) -> &str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::Password => "password",
            Self::RefreshToken => "refresh_token",
            Self::DeviceCode => DEVICE_CODE_URN,
            Self::ClientCredentials => "client_credentials",
            Self::JwtBearer => JWT_BEARER_URN,
            Self::SrvChallenge => "srv_challenge",
            Self::Saml11Bearer => SAML11_BEARER_URN,
            Self::Saml2Bearer => SAML2_BEARER_URN,
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_code_both_spellings() {
        assert_eq!(GrantType::parse(DEVICE_CODE_URN), GrantType::DeviceCode);
        assert_eq!(GrantType::parse("device_code"), GrantType::DeviceCode);
    }

    #[test]
    fn canonical_round_trip() {
        for g in [
            GrantType::AuthorizationCode,
            GrantType::Password,
            GrantType::RefreshToken,
            GrantType::DeviceCode,
            GrantType::ClientCredentials,
            GrantType::JwtBearer,
            GrantType::SrvChallenge,
            GrantType::Saml11Bearer,
            GrantType::Saml2Bearer,
            GrantType::Other("x".into()),
        ] {
            assert_eq!(GrantType::parse(g.as_str()), g);
        }
    }
}
