//! The storage boundary. One trait, implemented by SQLite and PostgreSQL in
//! `cerulean-store`, both held to one conformance suite.
//!
//! Every mutation takes the audit event that describes it and writes both in one
//! transaction: a change without its audit record (or the reverse) cannot happen.

use async_trait::async_trait;

use crate::application::Application;
use crate::audit::{AuditEvent, AuditQuery};
use crate::authority::AuthorityStore;
use crate::device_store::DeviceStore;
use crate::group::{Group, Member};
use crate::ids::{ClientId, GroupId, TenantId, UserId};
use crate::tenant::{Domain, Tenant};
use crate::user::User;

/// What can go wrong in a store, in terms the rules above it can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint: the thing already exists (`what` names it, e.g. `upn`).
    #[error("{what} already exists")]
    Duplicate { what: &'static str },
    /// The row to change does not exist.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// An optimistic-concurrency update lost a race: re-read and try again.
    #[error("{what} was changed concurrently; re-read and retry")]
    Conflict { what: &'static str },
    /// The database cannot be reached or refused the connection.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data that does not decode (a bug or a manual edit).
    #[error("corrupt stored data in {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
    /// Any other database error.
    #[error("database error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Cerulean's persistent state: the directory here, the authority's grant state in the
/// [`AuthorityStore`] supertrait, devices and their policy in [`DeviceStore`].
#[async_trait]
pub trait Store: AuthorityStore + DeviceStore + Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// A cheap round trip, for readiness probes.
    async fn ping(&self) -> StoreResult<()>;

    // ── tenants and domains ─────────────────────────────────────────────────────────
    /// Creates a tenant, its initial domain and its seeded applications atomically.
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        initial_domain: &Domain,
        applications: &[Application],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn update_tenant(&self, tenant: &Tenant, audit: &AuditEvent) -> StoreResult<()>;
    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>>;
    async fn tenants(&self) -> StoreResult<Vec<Tenant>>;
    /// Adds a verified domain; `Duplicate { what: "domain" }` if any tenant has it.
    async fn add_domain(&self, domain: &Domain, audit: &AuditEvent) -> StoreResult<()>;
    /// Replaces a domain's kind (managed / federated and its settings).
    async fn update_domain(&self, domain: &Domain, audit: &AuditEvent) -> StoreResult<()>;
    /// Looks a domain up by name, case-insensitively.
    async fn domain(&self, name: &str) -> StoreResult<Option<Domain>>;
    async fn domains(&self, tenant: TenantId) -> StoreResult<Vec<Domain>>;

    // ── users ───────────────────────────────────────────────────────────────────────
    /// `Duplicate { what: "upn" }` if the UPN exists (case-insensitively) anywhere.
    async fn create_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()>;
    /// Writes `user` if the stored version equals `user.version - 1`, else `Conflict`.
    /// The caller increments `version` before calling.
    async fn update_user(&self, user: &User, audit: &AuditEvent) -> StoreResult<()>;
    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>>;
    /// Looks a user up by UPN, case-insensitively, across tenants.
    async fn user_by_upn(&self, upn: &str) -> StoreResult<Option<User>>;
    /// Users of a tenant ordered by UPN.
    async fn users(&self, tenant: TenantId) -> StoreResult<Vec<User>>;

    // ── groups ──────────────────────────────────────────────────────────────────────
    async fn create_group(&self, group: &Group, audit: &AuditEvent) -> StoreResult<()>;
    async fn group(&self, tenant: TenantId, id: GroupId) -> StoreResult<Option<Group>>;
    /// Groups of a tenant ordered by display name.
    async fn groups(&self, tenant: TenantId) -> StoreResult<Vec<Group>>;
    /// Adds a member; `Ok(false)` if it was already a member (nothing written then).
    async fn add_group_member(
        &self,
        tenant: TenantId,
        group: GroupId,
        member: Member,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Removes a member; `Ok(false)` if it was not a member (nothing written then).
    async fn remove_group_member(
        &self,
        tenant: TenantId,
        group: GroupId,
        member: Member,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    async fn group_members(&self, tenant: TenantId, group: GroupId) -> StoreResult<Vec<Member>>;
    /// The groups `member` belongs to directly.
    async fn member_of(&self, tenant: TenantId, member: Member) -> StoreResult<Vec<GroupId>>;

    // ── applications ────────────────────────────────────────────────────────────────
    /// `Duplicate { what: "application" }` if the client id exists in the tenant.
    async fn create_application(&self, app: &Application, audit: &AuditEvent) -> StoreResult<()>;
    /// Optimistic like `update_user`.
    async fn update_application(&self, app: &Application, audit: &AuditEvent) -> StoreResult<()>;
    async fn application(
        &self,
        tenant: TenantId,
        client_id: ClientId,
    ) -> StoreResult<Option<Application>>;
    async fn applications(&self, tenant: TenantId) -> StoreResult<Vec<Application>>;

    // ── audit ───────────────────────────────────────────────────────────────────────
    /// Records an event that accompanies no change (e.g. a failed sign-in).
    async fn record_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// Events matching `query`, newest first.
    async fn audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>>;
}
