//! The client application of a token request: looked up in the tenant the grant belongs
//! to, and authenticated when it is confidential.

use cerulean_crypto::SecretString;
use cerulean_directory::{Application, ClientId, TenantId};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{ClientAuth, OAuthError};
use serde_json::json;

use super::{TokenCtx, unavailable};

/// A client that may use the grant.
#[derive(Debug, Clone)]
pub(crate) struct AuthenticatedClient {
    pub app: Application,
    /// `appidacr`: `"0"` public client, `"1"` client secret.
    pub appidacr: &'static str,
}

impl AuthenticatedClient {
    /// Family-of-client-ids member: a Microsoft first-party public client. Refresh tokens
    /// move freely between family members of one tenant (see `refresh.rs`).
    pub fn is_family(&self) -> bool {
        self.app.first_party && self.app.public_client
    }
}

/// Parses a `client_id`; anything but a GUID names no application (700016).
pub(crate) fn parse_client_id(client_id: &str, tenant: &str) -> Result<ClientId, OAuthError> {
    client_id
        .parse::<ClientId>()
        .map_err(|_| aadsts::application_not_found(shown(client_id), tenant))
}

/// Looks the client up in `tenant` and checks its credentials: public clients must not
/// send a secret; confidential clients must send one that verifies.
pub(crate) async fn authenticate(
    ctx: &TokenCtx<'_>,
    tenant: TenantId,
    client: &ClientAuth,
) -> Result<AuthenticatedClient, OAuthError> {
    let id = parse_client_id(&client.client_id, &tenant.to_string())?;
    let app = ctx
        .state
        .authority
        .cache
        .load_application(&ctx.state.directory, tenant, id)
        .await
        .map_err(|e| unavailable("client lookup", e))?
        .ok_or_else(|| aadsts::application_not_found(id, tenant))?;
    if app.public_client {
        if client.client_secret.is_some() {
            return Err(aadsts::client_credentials_invalid(
                "The application is a public client; it must not send a client secret.",
            ));
        }
        return Ok(AuthenticatedClient { app, appidacr: "0" });
    }
    let secret = client
        .client_secret
        .as_ref()
        .ok_or_else(aadsts::client_secret_required)?;
    verify_secret(ctx, &app, secret.expose()).await?;
    Ok(AuthenticatedClient { app, appidacr: "1" })
}

/// Checks a confidential client's secret (the directory's rule); failures are audited.
pub(crate) async fn verify_secret(
    ctx: &TokenCtx<'_>,
    app: &Application,
    secret: &str,
) -> Result<(), OAuthError> {
    let presented = SecretString::new(secret.to_owned());
    let ok = ctx
        .state
        .directory
        .verify_client_secret(app, &presented)
        .await
        .map_err(|e| unavailable("client secret check", e))?;
    if ok {
        return Ok(());
    }
    ctx.audit_failure(
        Some(app.tenant_id),
        "token.client_auth",
        format!("application:{}", app.client_id),
        "invalid client secret",
        json!({ "clientId": app.client_id }),
    )
    .await;
    Err(aadsts::invalid_client_secret(app.client_id))
}

/// Client input for error messages, bounded.
pub(crate) fn shown(text: &str) -> String {
    text.chars().take(100).collect()
}
