//! `cerulean_tokens_issued_total{grant,result}`: token-endpoint outcomes by grant.
//!
//! Both labels come from bounded sets: the grant names below and the RFC 6749 / Entra
//! error codes Cerulean emits (anything else is counted as `other`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use cerulean_proto::oauth2::{ErrorCode, GrantType, OAuthError};

use crate::metrics::Metrics;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    grant: &'static str,
    result: &'static str,
}

/// The token counters.
#[derive(Debug, Clone, Default)]
pub struct TokenMetrics {
    issued: Family<Labels, Counter>,
}

impl TokenMetrics {
    /// Creates the family and registers it (`cerulean_tokens_issued_total`).
    pub fn register(metrics: &Metrics) -> Self {
        let this = Self::default();
        metrics.register(
            "tokens_issued",
            "Token endpoint answers by grant type and result (success or OAuth error code)",
            this.issued.clone(),
        );
        this
    }

    /// Counts one answer; `grant` is `None` when the request never got as far as naming a
    /// grant we know.
    pub fn record(&self, grant: Option<&GrantType>, result: Result<(), &OAuthError>) {
        let labels = Labels {
            grant: grant.map_or("unknown", grant_label),
            result: match result {
                Ok(()) => "success",
                Err(e) => error_label(&e.error),
            },
        };
        self.issued.get_or_create(&labels).inc();
    }
}

fn grant_label(grant: &GrantType) -> &'static str {
    match grant {
        GrantType::AuthorizationCode => "authorization_code",
        GrantType::Password => "password",
        GrantType::RefreshToken => "refresh_token",
        GrantType::DeviceCode => "device_code",
        GrantType::ClientCredentials => "client_credentials",
        GrantType::JwtBearer => "jwt_bearer",
        GrantType::SrvChallenge => "srv_challenge",
        GrantType::Saml11Bearer | GrantType::Saml2Bearer => "saml_bearer",
        GrantType::Other(_) => "other",
    }
}

fn error_label(code: &ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidRequest => "invalid_request",
        ErrorCode::InvalidClient => "invalid_client",
        ErrorCode::InvalidGrant => "invalid_grant",
        ErrorCode::UnauthorizedClient => "unauthorized_client",
        ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
        ErrorCode::UnsupportedResponseType => "unsupported_response_type",
        ErrorCode::InvalidScope => "invalid_scope",
        ErrorCode::InvalidResource => "invalid_resource",
        ErrorCode::InteractionRequired => "interaction_required",
        ErrorCode::LoginRequired => "login_required",
        ErrorCode::AuthorizationPending => "authorization_pending",
        ErrorCode::SlowDown => "slow_down",
        ErrorCode::ExpiredToken => "expired_token",
        ErrorCode::AccessDenied => "access_denied",
        ErrorCode::AuthorizationDeclined => "authorization_declined",
        ErrorCode::BadVerificationCode => "bad_verification_code",
        ErrorCode::InvalidInstance => "invalid_instance",
        ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        ErrorCode::ServerError => "server_error",
        ErrorCode::Other(_) => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_grant_and_result() {
        let metrics = Metrics::new();
        let tokens = TokenMetrics::register(&metrics);
        tokens.record(Some(&GrantType::Password), Ok(()));
        tokens.record(
            Some(&GrantType::RefreshToken),
            Err(&cerulean_proto::aadsts::refresh_token_expired()),
        );
        tokens.record(None, Err(&cerulean_proto::aadsts::missing_parameter("x")));
        let text = metrics.render().unwrap_or_default();
        for line in [
            r#"cerulean_tokens_issued_total{grant="password",result="success"} 1"#,
            r#"cerulean_tokens_issued_total{grant="refresh_token",result="invalid_grant"} 1"#,
            r#"cerulean_tokens_issued_total{grant="unknown",result="invalid_request"} 1"#,
        ] {
            assert!(text.contains(line), "{text}");
        }
    }
}
