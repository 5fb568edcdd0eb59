//! Each tenant's device CA (PROTOCOLS.md §4.6): the issuer of device certificates and
//! the trust anchor of device TLS client certificates.
//!
//! A tenant gets its CA on its first join: this node loads it from the store, or
//! generates one (RSA key generation on the blocking pool) and inserts it if the tenant
//! still has none. The store returns the row that won, so nodes creating one at the same
//! moment all end up using the same CA. Every CA this node uses is also registered in the
//! TLS client-certificate trust ([`ClientCas`], group = tenant id) the moment it is
//! loaded; at start [`DeviceCas::load_all`] registers every tenant's CA, and
//! `drs::spawn_device_ca_refresh` repeats that now and then, so that a device joined
//! through another node can present its certificate here (the TLS handshake refuses a
//! client certificate from a CA it does not know, and cannot ask the store).
//!
//! The private key lives in the [`DeviceCa`] (whose `Debug` never shows it) and in the
//! store; it is never logged.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cerulean_crypto::{CryptoError, DeviceCa, certificate_der_from_pem};
use cerulean_directory::{ActionContext, Actor, Directory, StoreError, TenantDeviceCa, TenantId};
use rustls::pki_types::CertificateDer;
use serde_json::json;

use crate::tls::ClientCas;

/// Why a tenant's device CA could not be had.
#[derive(Debug, thiserror::Error)]
pub enum DeviceCaError {
    #[error("device CA store: {0}")]
    Store(#[from] StoreError),
    #[error("device CA of tenant {tenant}: {source}")]
    Crypto {
        tenant: TenantId,
        #[source]
        source: CryptoError,
    },
    #[error("the stored device CA of tenant {tenant} names tenant {named:?} in its certificate")]
    WrongTenant {
        tenant: TenantId,
        named: Option<uuid::Uuid>,
    },
    #[error("device CA generation task failed")]
    Task,
}

/// The device CAs this node has loaded, by tenant.
#[derive(Debug, Default)]
pub struct DeviceCas {
    cache: RwLock<HashMap<TenantId, Arc<DeviceCa>>>,
    /// One CA creation at a time on this node.
    creating: tokio::sync::Mutex<()>,
}

impl DeviceCas {
    /// The tenant's CA, loading or creating it on first need (see the module docs).
    pub async fn get(
        &self,
        directory: &Directory,
        client_cas: Option<&ClientCas>,
        tenant: TenantId,
    ) -> Result<Arc<DeviceCa>, DeviceCaError> {
        if let Some(ca) = self.cached(tenant) {
            return Ok(ca);
        }
        let _guard = self.creating.lock().await;
        if let Some(ca) = self.cached(tenant) {
            return Ok(ca);
        }
        let store = directory.store();
        let row = match store.device_ca(tenant).await? {
            Some(row) => row,
            None => self.create(directory, tenant).await?,
        };
        self.install(&row, client_cas)
    }

    /// Loads every stored CA this node does not have yet (at start, then now and then to
    /// pick up CAs other nodes created). Returns how many were new; unusable rows are
    /// logged and skipped.
    pub async fn load_all(
        &self,
        directory: &Directory,
        client_cas: Option<&ClientCas>,
    ) -> Result<usize, DeviceCaError> {
        let rows = directory.store().device_cas().await?;
        let mut loaded = 0;
        for row in rows.iter().filter(|r| self.cached(r.tenant_id).is_none()) {
            match self.install(row, client_cas) {
                Ok(_) => loaded += 1,
                Err(e) => tracing::error!(tenant = %row.tenant_id, "skipping a device CA: {e}"),
            }
        }
        if loaded > 0 {
            tracing::info!(loaded, "device CAs trusted for TLS client certificates");
        }
        Ok(loaded)
    }

    fn cached(&self, tenant: TenantId) -> Option<Arc<DeviceCa>> {
        self.cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&tenant)
            .cloned()
    }

    /// Generates a CA and stores it unless another node was first; returns the stored row.
    async fn create(
        &self,
        directory: &Directory,
        tenant: TenantId,
    ) -> Result<TenantDeviceCa, DeviceCaError> {
        let now = directory.clock().now();
        let crypto = |source| DeviceCaError::Crypto { tenant, source };
        // RSA key generation takes tens of milliseconds: keep it off the async workers.
        let ca = tokio::task::spawn_blocking(move || DeviceCa::generate(tenant.0, now))
            .await
            .map_err(|_| DeviceCaError::Task)?
            .map_err(crypto)?;
        let candidate = TenantDeviceCa {
            tenant_id: tenant,
            cert_pem: ca.cert_pem().to_owned(),
            key_pem: ca.key_pem().expose().to_owned(),
            created_at: now,
        };
        let audit = ActionContext::new(Actor::System).event(
            now,
            Some(tenant),
            "tenant.deviceCa.create",
            format!("tenant:{tenant}"),
            json!({
                "sha1Thumbprint": ca.sha1_thumbprint(),
                "notAfter": ca.not_after().unix_timestamp(),
            }),
        );
        let stored = directory
            .store()
            .insert_device_ca(&candidate, &audit)
            .await?;
        if stored.cert_pem == candidate.cert_pem {
            tracing::info!(%tenant, sha1 = %ca.sha1_thumbprint(), "created the tenant's device CA");
        }
        Ok(stored)
    }

    /// Parses `row`, trusts its certificate for TLS client authentication and caches it.
    fn install(
        &self,
        row: &TenantDeviceCa,
        client_cas: Option<&ClientCas>,
    ) -> Result<Arc<DeviceCa>, DeviceCaError> {
        let tenant = row.tenant_id;
        let crypto = |source| DeviceCaError::Crypto { tenant, source };
        let ca = DeviceCa::from_pem(&row.cert_pem, &row.key_pem).map_err(crypto)?;
        if ca.tenant_id().is_some_and(|named| named != tenant.0) {
            return Err(DeviceCaError::WrongTenant {
                tenant,
                named: ca.tenant_id(),
            });
        }
        if let Some(cas) = client_cas {
            let der = certificate_der_from_pem(&row.cert_pem).map_err(crypto)?;
            // A CA that cannot be trusted for TLS still issues certificates; devices then
            // fail only the certificate-authenticated calls, and the log says why.
            if let Err(e) = cas.set(&tenant.to_string(), vec![CertificateDer::from(der)]) {
                tracing::error!(%tenant, "cannot trust the device CA for TLS client certificates: {e}");
            }
        }
        let ca = Arc::new(ca);
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tenant, ca.clone());
        Ok(ca)
    }
}
