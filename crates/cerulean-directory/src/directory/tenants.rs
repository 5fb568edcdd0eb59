//! Tenants and domains.

use serde_json::json;

use super::Directory;
use crate::audit::ActionContext;
use crate::error::{DirectoryError, DirectoryResult};
use crate::ids::TenantId;
use crate::names;
use crate::store::StoreError;
use crate::tenant::{Branding, Domain, DomainKind, Tenant};
use crate::well_known::first_party_applications;

impl Directory {
    /// Creates a tenant with its initial (managed) domain and the first-party apps.
    pub async fn create_tenant(
        &self,
        ctx: &ActionContext,
        display_name: &str,
        initial_domain: &str,
    ) -> DirectoryResult<Tenant> {
        let display_name = names::display_name("display name", display_name)?;
        let domain_name = names::domain_name(initial_domain)?;
        if self.store.domain(&domain_name).await?.is_some() {
            return Err(DirectoryError::AlreadyExists {
                what: "domain",
                key: domain_name,
            });
        }
        let now = self.clock.now();
        let tenant = Tenant {
            id: TenantId::random(),
            display_name,
            initial_domain: domain_name.clone(),
            branding: Branding::default(),
            created_at: now,
        };
        let domain = Domain {
            name: domain_name.clone(),
            tenant_id: tenant.id,
            kind: DomainKind::Managed,
            is_initial: true,
            created_at: now,
        };
        let apps = first_party_applications(tenant.id, now);
        let audit = ctx.event(
            now,
            Some(tenant.id),
            "tenant.create",
            format!("tenant:{}", tenant.id),
            json!({ "displayName": tenant.display_name, "initialDomain": domain_name,
                    "seededApplications": apps.len() }),
        );
        self.store
            .create_tenant(&tenant, &domain, &apps, &audit)
            .await
            .map_err(|e| duplicate_as(e, "domain", &domain_name))?;
        Ok(tenant)
    }

    /// Finds a tenant by GUID or by any of its verified domains, as the authority's
    /// `{tenant}` path segment allows.
    pub async fn resolve_tenant(&self, key: &str) -> DirectoryResult<Option<Tenant>> {
        if let Ok(id) = key.parse::<TenantId>() {
            return Ok(self.store.tenant(id).await?);
        }
        let Ok(name) = names::domain_name(key) else {
            return Ok(None);
        };
        match self.store.domain(&name).await? {
            Some(domain) => Ok(self.store.tenant(domain.tenant_id).await?),
            None => Ok(None),
        }
    }

    /// Like `resolve_tenant`, but a missing tenant is an error.
    pub async fn tenant(&self, key: &str) -> DirectoryResult<Tenant> {
        self.resolve_tenant(key)
            .await?
            .ok_or_else(|| DirectoryError::NotFound {
                what: "tenant",
                key: key.to_string(),
            })
    }

    pub async fn tenants(&self) -> DirectoryResult<Vec<Tenant>> {
        Ok(self.store.tenants().await?)
    }

    /// Changes a tenant's display name and branding.
    pub async fn update_tenant(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        display_name: Option<&str>,
        branding: Option<Branding>,
    ) -> DirectoryResult<Tenant> {
        let mut current =
            self.store
                .tenant(tenant)
                .await?
                .ok_or_else(|| DirectoryError::NotFound {
                    what: "tenant",
                    key: tenant.to_string(),
                })?;
        if let Some(name) = display_name {
            current.display_name = names::display_name("display name", name)?;
        }
        if let Some(branding) = branding {
            current.branding = branding;
        }
        let audit = ctx.event(
            self.clock.now(),
            Some(tenant),
            "tenant.update",
            format!("tenant:{tenant}"),
            json!({ "displayName": current.display_name }),
        );
        self.store.update_tenant(&current, &audit).await?;
        Ok(current)
    }

    /// Adds a verified domain to a tenant.
    pub async fn add_domain(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        name: &str,
        kind: DomainKind,
    ) -> DirectoryResult<Domain> {
        let name = names::domain_name(name)?;
        if self.store.tenant(tenant).await?.is_none() {
            return Err(DirectoryError::NotFound {
                what: "tenant",
                key: tenant.to_string(),
            });
        }
        validate_kind(&kind)?;
        let now = self.clock.now();
        let domain = Domain {
            name: name.clone(),
            tenant_id: tenant,
            kind,
            is_initial: false,
            created_at: now,
        };
        let audit = ctx.event(
            now,
            Some(tenant),
            "domain.add",
            format!("domain:{name}"),
            json!({ "authenticationType": domain.kind.namespace_type() }),
        );
        self.store
            .add_domain(&domain, &audit)
            .await
            .map_err(|e| duplicate_as(e, "domain", &name))?;
        Ok(domain)
    }

    /// Switches a domain between managed and federated (or edits federation settings).
    pub async fn set_domain_kind(
        &self,
        ctx: &ActionContext,
        name: &str,
        kind: DomainKind,
    ) -> DirectoryResult<Domain> {
        let name = names::domain_name(name)?;
        validate_kind(&kind)?;
        let mut domain =
            self.store
                .domain(&name)
                .await?
                .ok_or_else(|| DirectoryError::NotFound {
                    what: "domain",
                    key: name.clone(),
                })?;
        domain.kind = kind;
        let audit = ctx.event(
            self.clock.now(),
            Some(domain.tenant_id),
            "domain.update",
            format!("domain:{name}"),
            json!({ "authenticationType": domain.kind.namespace_type() }),
        );
        self.store.update_domain(&domain, &audit).await?;
        Ok(domain)
    }

    pub async fn domain(&self, name: &str) -> DirectoryResult<Option<Domain>> {
        match names::domain_name(name) {
            Ok(name) => Ok(self.store.domain(&name).await?),
            Err(_) => Ok(None),
        }
    }

    pub async fn domains(&self, tenant: TenantId) -> DirectoryResult<Vec<Domain>> {
        Ok(self.store.domains(tenant).await?)
    }
}

/// A federated domain needs at least an issuer and a passive sign-in URL, both https.
fn validate_kind(kind: &DomainKind) -> DirectoryResult<()> {
    if let DomainKind::Federated(settings) = kind {
        if settings.issuer_uri.trim().is_empty() {
            return Err(DirectoryError::Invalid {
                field: "issuer uri",
                reason: "a federated domain needs its identity provider's issuer".into(),
            });
        }
        let urls = [
            Some(&settings.passive_sign_in_uri),
            settings.active_sign_in_uri.as_ref(),
            settings.metadata_exchange_uri.as_ref(),
            settings.sign_out_uri.as_ref(),
        ];
        for url in urls.into_iter().flatten() {
            if !url.starts_with("https://") {
                return Err(DirectoryError::Invalid {
                    field: "federation url",
                    reason: format!("'{url}' must be an https:// URL"),
                });
            }
        }
    }
    Ok(())
}

/// Turns a store `Duplicate` into the directory's `AlreadyExists` naming the key.
pub(crate) fn duplicate_as(err: StoreError, what: &'static str, key: &str) -> DirectoryError {
    match err {
        StoreError::Duplicate { .. } => DirectoryError::AlreadyExists {
            what,
            key: key.to_string(),
        },
        other => DirectoryError::Store(other),
    }
}
