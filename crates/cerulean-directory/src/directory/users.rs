//! Users: creation, passwords, enablement, roles.

use std::collections::BTreeSet;

use cerulean_crypto::SecretString;
use serde_json::json;

use super::Directory;
use super::tenants::duplicate_as;
use crate::audit::ActionContext;
use crate::error::{DirectoryError, DirectoryResult};
use crate::ids::{TenantId, UserId};
use crate::names;
use crate::tenant::DomainKind;
use crate::user::{Role, User};

/// What the operator supplies to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub upn: String,
    pub display_name: String,
    pub password: Option<SecretString>,
    pub roles: BTreeSet<Role>,
    pub enabled: bool,
}

impl Directory {
    /// Hashes a new password on the password threads.
    async fn hash_password(&self, password: &SecretString) -> DirectoryResult<String> {
        let password = password.clone();
        self.hash_workers
            .run(move |hasher| hasher.hash(&password))
            .await?
            .map_err(DirectoryError::from)
    }

    /// Creates a user in the tenant that owns the UPN's domain.
    pub async fn create_user(&self, ctx: &ActionContext, new: NewUser) -> DirectoryResult<User> {
        let (upn, domain_name) = names::upn(&new.upn)?;
        let display_name = names::display_name("display name", &new.display_name)?;
        let domain =
            self.store
                .domain(&domain_name)
                .await?
                .ok_or_else(|| DirectoryError::Invalid {
                    field: "upn",
                    reason: format!(
                        "the domain '{domain_name}' is not a verified domain of any tenant; \
                         add it first (cerulean admin domain add)"
                    ),
                })?;
        let password_hash = match &new.password {
            Some(password) => {
                if matches!(domain.kind, DomainKind::Federated(_)) {
                    return Err(DirectoryError::Invalid {
                        field: "password",
                        reason: format!(
                            "users of the federated domain '{domain_name}' sign in at their \
                             identity provider; create them without a password"
                        ),
                    });
                }
                self.password_policy.check(password, &upn)?;
                Some(self.hash_password(password).await?)
            }
            None => None,
        };
        let now = self.clock.now();
        let user = User {
            id: UserId::random(),
            tenant_id: domain.tenant_id,
            upn: upn.clone(),
            display_name,
            enabled: new.enabled,
            password_changed_at: password_hash.as_ref().map(|_| now),
            password_hash,
            roles: new.roles,
            created_at: now,
            version: 1,
        };
        let audit = ctx.event(
            now,
            Some(user.tenant_id),
            "user.create",
            format!("user:{}", user.id),
            json!({ "upn": upn, "roles": user.roles, "enabled": user.enabled }),
        );
        self.store
            .create_user(&user, &audit)
            .await
            .map_err(|e| duplicate_as(e, "user", &upn))?;
        Ok(user)
    }

    /// Finds a user by UPN (case-insensitive).
    pub async fn user_by_upn(&self, upn: &str) -> DirectoryResult<Option<User>> {
        Ok(self.store.user_by_upn(upn.trim()).await?)
    }

    /// Finds a user by UPN or object id within a tenant; an error if absent.
    pub async fn find_user(&self, tenant: TenantId, key: &str) -> DirectoryResult<User> {
        let found = match key.parse::<UserId>() {
            Ok(id) => self.store.user(tenant, id).await?,
            Err(_) => self
                .store
                .user_by_upn(key.trim())
                .await?
                .filter(|u| u.tenant_id == tenant),
        };
        found.ok_or_else(|| DirectoryError::NotFound {
            what: "user",
            key: key.to_string(),
        })
    }

    pub async fn users(&self, tenant: TenantId) -> DirectoryResult<Vec<User>> {
        Ok(self.store.users(tenant).await?)
    }

    /// Sets a new password (admin reset or self-service change) and revokes the user's
    /// PRTs.
    pub async fn set_password(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        user: UserId,
        password: &SecretString,
    ) -> DirectoryResult<User> {
        let mut current = self.user_or_not_found(tenant, user).await?;
        self.password_policy.check(password, &current.upn)?;
        current.password_hash = Some(self.hash_password(password).await?);
        current.password_changed_at = Some(self.clock.now());
        let user = self
            .write_user(ctx, current, "user.password.set", json!({}))
            .await?;
        self.store
            .revoke_user_primary_refresh_tokens(tenant, user.id)
            .await?;
        Ok(user)
    }

    /// Enables or disables a user. Disabled users cannot sign in; their tokens stop
    /// working at next use, and disabling revokes their PRTs.
    pub async fn set_user_enabled(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        user: UserId,
        enabled: bool,
    ) -> DirectoryResult<User> {
        let mut current = self.user_or_not_found(tenant, user).await?;
        if current.enabled == enabled {
            return Ok(current);
        }
        current.enabled = enabled;
        let action = if enabled {
            "user.enable"
        } else {
            "user.disable"
        };
        let user = self.write_user(ctx, current, action, json!({})).await?;
        if !enabled {
            self.store
                .revoke_user_primary_refresh_tokens(tenant, user.id)
                .await?;
        }
        Ok(user)
    }

    /// Replaces a user's directory roles.
    pub async fn set_user_roles(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        user: UserId,
        roles: BTreeSet<Role>,
    ) -> DirectoryResult<User> {
        let mut current = self.user_or_not_found(tenant, user).await?;
        current.roles = roles;
        let details = json!({ "roles": current.roles });
        self.write_user(ctx, current, "user.roles.set", details)
            .await
    }

    async fn user_or_not_found(&self, tenant: TenantId, user: UserId) -> DirectoryResult<User> {
        self.store
            .user(tenant, user)
            .await?
            .ok_or_else(|| DirectoryError::NotFound {
                what: "user",
                key: user.to_string(),
            })
    }

    /// Writes an updated user with optimistic concurrency and its audit event.
    async fn write_user(
        &self,
        ctx: &ActionContext,
        mut user: User,
        action: &str,
        details: serde_json::Value,
    ) -> DirectoryResult<User> {
        user.version += 1;
        let audit = ctx.event(
            self.clock.now(),
            Some(user.tenant_id),
            action,
            format!("user:{}", user.id),
            details,
        );
        self.store.update_user(&user, &audit).await?;
        Ok(user)
    }
}
