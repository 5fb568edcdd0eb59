//! A short-lived memory of directory objects every token request reads: the tenant a
//! path segment names and the applications (clients and resources) of a tenant.
//!
//! Signature-bound grants (refresh, client credentials) would otherwise spend most of
//! their time reading the same few rows. Entries live [`TTL`]; a change to a tenant or an
//! application (a new client secret, a removed redirect URI, a renamed identifier URI)
//! reaches the token endpoint within that time on every node, as Entra's own changes
//! take a while to propagate. Only hits are remembered, so a tenant or application that
//! has just been created is found at once, and made-up names cannot fill the cache.
//! Users are never cached: a disabled user must stop getting tokens immediately.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cerulean_directory::{Application, ClientId, Directory, StoreResult, Tenant, TenantId};

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(30);
/// Entries per map; a full map is emptied rather than managed.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
struct Timed<V> {
    value: V,
    at: Instant,
}

#[derive(Debug)]
struct TtlMap<K, V> {
    entries: Mutex<HashMap<K, Timed<V>>>,
}

impl<K, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|e| e.at.elapsed() < TTL)
            .map(|e| e.value.clone())
    }

    fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Timed {
                value,
                at: Instant::now(),
            },
        );
    }
}

/// The cache (one per node, in `AuthorityState`).
#[derive(Debug, Default)]
pub struct DirectoryCache {
    /// Lower-cased path segment (GUID or domain) → tenant.
    tenants: TtlMap<String, Tenant>,
    /// (tenant, client id) → application.
    apps: TtlMap<(TenantId, ClientId), Application>,
    /// (tenant, lower-cased resource identifier) → the application it names.
    resources: TtlMap<(TenantId, String), ClientId>,
}

impl DirectoryCache {
    pub fn tenant(&self, segment: &str) -> Option<Tenant> {
        self.tenants.get(&segment.to_ascii_lowercase())
    }

    pub fn put_tenant(&self, segment: &str, tenant: &Tenant) {
        self.tenants
            .put(segment.to_ascii_lowercase(), tenant.clone());
    }

    pub fn application(&self, tenant: TenantId, client_id: ClientId) -> Option<Application> {
        self.apps.get(&(tenant, client_id))
    }

    pub fn put_application(&self, app: &Application) {
        self.apps.put((app.tenant_id, app.client_id), app.clone());
    }

    /// The application a resource identifier named last time, if still cached.
    pub fn resource(&self, tenant: TenantId, identifier: &str) -> Option<Application> {
        let id = self
            .resources
            .get(&(tenant, identifier.to_ascii_lowercase()))?;
        self.application(tenant, id)
    }

    /// The application, from the cache or the store.
    pub async fn load_application(
        &self,
        directory: &Directory,
        tenant: TenantId,
        client_id: ClientId,
    ) -> StoreResult<Option<Application>> {
        if let Some(app) = self.application(tenant, client_id) {
            return Ok(Some(app));
        }
        let app = directory.store().application(tenant, client_id).await?;
        if let Some(app) = &app {
            self.put_application(app);
        }
        Ok(app)
    }

    pub fn put_resource(&self, identifier: &str, app: &Application) {
        self.resources.put(
            (app.tenant_id, identifier.to_ascii_lowercase()),
            app.client_id,
        );
        self.put_application(app);
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;

    #[test]
    fn remembers_hits_by_key() {
        let cache = DirectoryCache::default();
        let app = Application {
            tenant_id: TenantId::random(),
            client_id: ClientId::random(),
            display_name: "api".into(),
            first_party: false,
            public_client: false,
            redirect_uris: vec![],
            identifier_uris: vec!["api://x".into()],
            scopes: vec![],
            secrets: vec![],
            created_at: OffsetDateTime::UNIX_EPOCH,
            version: 1,
        };
        assert!(cache.resource(app.tenant_id, "api://x").is_none());
        cache.put_resource("API://X", &app);
        assert_eq!(cache.resource(app.tenant_id, "api://x"), Some(app.clone()));
        assert_eq!(
            cache.application(app.tenant_id, app.client_id),
            Some(app.clone())
        );
        assert!(cache.resource(TenantId::random(), "api://x").is_none());
    }
}
