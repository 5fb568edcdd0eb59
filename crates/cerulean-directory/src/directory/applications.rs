//! Applications registered by the organization, and their client secrets.

use cerulean_crypto::pki::sha256_hex;
use cerulean_crypto::{SecretString, constant_time_eq, random_token};
use serde_json::json;
use time::Duration;
use uuid::Uuid;

use super::Directory;
use super::tenants::duplicate_as;
use crate::application::{Application, ClientSecret};
use crate::audit::ActionContext;
use crate::error::{DirectoryError, DirectoryResult};
use crate::ids::{ClientId, TenantId};
use crate::names;

/// What the operator supplies to register an application.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub display_name: String,
    pub public_client: bool,
    pub redirect_uris: Vec<String>,
    pub identifier_uris: Vec<String>,
}

/// A freshly created secret: the plaintext is shown once and never stored.
#[derive(Debug)]
pub struct NewClientSecret {
    pub secret: ClientSecret,
    pub plaintext: SecretString,
}

impl Directory {
    pub async fn create_application(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        new: NewApplication,
    ) -> DirectoryResult<Application> {
        let display_name = names::display_name("application name", &new.display_name)?;
        for uri in &new.redirect_uris {
            validate_redirect_uri(uri)?;
        }
        if self.store.tenant(tenant).await?.is_none() {
            return Err(DirectoryError::NotFound {
                what: "tenant",
                key: tenant.to_string(),
            });
        }
        let now = self.clock.now();
        let app = Application {
            tenant_id: tenant,
            client_id: ClientId::random(),
            display_name,
            first_party: false,
            public_client: new.public_client,
            redirect_uris: new.redirect_uris,
            identifier_uris: new.identifier_uris,
            scopes: vec!["user_impersonation".to_string()],
            secrets: Vec::new(),
            created_at: now,
            version: 1,
        };
        let audit = ctx.event(
            now,
            Some(tenant),
            "application.create",
            format!("application:{}", app.client_id),
            json!({ "displayName": app.display_name, "publicClient": app.public_client,
                    "redirectUris": app.redirect_uris }),
        );
        self.store
            .create_application(&app, &audit)
            .await
            .map_err(|e| duplicate_as(e, "application", &app.client_id.to_string()))?;
        Ok(app)
    }

    pub async fn application(
        &self,
        tenant: TenantId,
        client_id: ClientId,
    ) -> DirectoryResult<Option<Application>> {
        Ok(self.store.application(tenant, client_id).await?)
    }

    pub async fn applications(&self, tenant: TenantId) -> DirectoryResult<Vec<Application>> {
        Ok(self.store.applications(tenant).await?)
    }

    /// Adds a client secret; the plaintext is returned once.
    pub async fn add_client_secret(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        client_id: ClientId,
        display_name: &str,
        lifetime: Option<Duration>,
    ) -> DirectoryResult<NewClientSecret> {
        let mut app = self
            .store
            .application(tenant, client_id)
            .await?
            .ok_or_else(|| DirectoryError::NotFound {
                what: "application",
                key: client_id.to_string(),
            })?;
        if app.public_client {
            return Err(DirectoryError::Invalid {
                field: "application",
                reason: "public clients cannot hold secrets; register a confidential client".into(),
            });
        }
        // 30 random bytes (40 base64url characters, like Entra's secrets).
        let plaintext = SecretString::new(random_token(30)?);
        let verifier = secret_verifier(&plaintext);
        let now = self.clock.now();
        let secret = ClientSecret {
            id: Uuid::new_v4(),
            display_name: names::display_name("secret name", display_name)?,
            hint: plaintext.expose().chars().take(3).collect(),
            verifier,
            created_at: now,
            expires_at: lifetime.map(|l| now + l),
        };
        app.secrets.push(secret.clone());
        app.version += 1;
        let audit = ctx.event(
            now,
            Some(tenant),
            "application.secret.add",
            format!("application:{client_id}"),
            json!({ "secretId": secret.id, "hint": secret.hint }),
        );
        self.store.update_application(&app, &audit).await?;
        Ok(NewClientSecret { secret, plaintext })
    }

    /// Checks a client secret against the app's live secrets, in constant time per secret.
    pub async fn verify_client_secret(
        &self,
        app: &Application,
        presented: &SecretString,
    ) -> DirectoryResult<bool> {
        let now = self.clock.now();
        let candidate = secret_verifier(presented);
        let mut matched = false;
        for secret in app
            .secrets
            .iter()
            .filter(|s| s.expires_at.is_none_or(|exp| exp > now))
        {
            // No early exit: every live secret is compared, so timing says nothing.
            matched |= constant_time_eq(candidate.as_bytes(), secret.verifier.as_bytes());
        }
        Ok(matched)
    }
}

/// The stored form of a client secret: `sha256:<hex>`. Client secrets are 240-bit random
/// strings Cerulean generates, so a fast hash loses nothing against brute force (unlike
/// passwords, which get argon2id), and client-credential grants stay signature-bound.
fn secret_verifier(secret: &SecretString) -> String {
    format!("sha256:{}", sha256_hex(secret.expose().as_bytes()))
}

/// Redirect URIs must be absolute; http only for loopback (RFC 8252), never fragments.
fn validate_redirect_uri(uri: &str) -> DirectoryResult<()> {
    let invalid = |why: &str| DirectoryError::Invalid {
        field: "redirect uri",
        reason: format!("'{uri}': {why}"),
    };
    let Some((scheme, rest)) = uri.split_once("://") else {
        if uri.starts_with("urn:") {
            return Ok(());
        }
        return Err(invalid("must be an absolute URI"));
    };
    if uri.contains('#') {
        return Err(invalid("must not contain a fragment"));
    }
    if scheme.eq_ignore_ascii_case("http") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Err(invalid("http is allowed only for localhost; use https"));
        }
    }
    Ok(())
}
