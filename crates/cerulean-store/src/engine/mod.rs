//! The store's logic, written once for both backends.
//!
//! Statements use PostgreSQL-style `$1` placeholders, which the SQLite backend binds by
//! the number in each name, and the statements the store needs are plain SQL both
//! databases understand (including
//! `INSERT … ON CONFLICT DO NOTHING`). So every statement, its arguments and the
//! transaction around it live here, and a backend only supplies the few things that
//! really differ ([`Backend`]): how a write transaction begins (`BEGIN IMMEDIATE` on
//! SQLite), how errors map, how migrations are locked, how a read locks the rows it reads
//! (`FOR UPDATE`) and the prefix match for audit queries. A rule fixed here is fixed for both databases, and the conformance suite
//! checks they agree.

pub(crate) mod apps;
pub(crate) mod audit;
pub(crate) mod authority;
pub(crate) mod devices;
pub(crate) mod groups;
pub(crate) mod secrets;
pub(crate) mod tenants;
pub(crate) mod users;

use async_trait::async_trait;
use cerulean_directory::StoreResult;

use crate::codec::{Arg, Columns};

/// What a database backend provides to the shared engine.
#[async_trait]
pub(crate) trait Backend: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    const NAME: &'static str;
    /// Appended to a SELECT inside a write transaction to lock the rows it reads until
    /// the transaction ends: ` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose
    /// `BEGIN IMMEDIATE` writer already excludes every other writer.
    const FOR_UPDATE: &'static str;
    /// Like [`Backend::FOR_UPDATE`] for a lock that serializes writers of a parent row
    /// without blocking other transactions' foreign-key checks against it: ` FOR NO KEY
    /// UPDATE` on PostgreSQL; nothing on SQLite.
    const FOR_NO_KEY_UPDATE: &'static str;
    /// Whether write transactions already run one at a time (SQLite's single writer), so
    /// a statement that only takes a lock can be skipped.
    const SERIALIZED_WRITES: bool;
    type Row: Columns + Send + Sync + 'static;
    /// An open write transaction; dropping it without [`Backend::commit`] rolls it back.
    type Tx: Send;

    /// Begins a write transaction that holds the write lock from its first statement on
    /// (so concurrent writers queue instead of failing).
    async fn begin_write(&self) -> StoreResult<Self::Tx>;
    async fn commit(&self, tx: Self::Tx) -> StoreResult<()>;
    /// Runs one statement in `tx`; returns the number of rows it affected.
    async fn execute(&self, tx: &mut Self::Tx, sql: &str, args: Vec<Arg>) -> StoreResult<u64>;
    /// Runs one writing statement on its own, outside any explicit transaction: the
    /// statement is atomic by itself, and this costs one trip to the database instead of
    /// the three of BEGIN, statement, COMMIT (on SQLite, three hand-offs to the writer
    /// connection's thread while it holds the write lock). Returns the first row of its
    /// `RETURNING` clause, if any.
    async fn write_alone(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Self::Row>>;
    /// [`Backend::write_alone`] for a statement without `RETURNING`: the number of rows
    /// it affected.
    async fn execute_alone(&self, sql: &str, args: Vec<Arg>) -> StoreResult<u64>;
    /// SQLite only (where [`Backend::SERIALIZED_WRITES`]): runs `statements` — several
    /// `;`-separated statements sharing one numbered argument list — as one write
    /// transaction in one trip to the writer connection, so the write lock is held for
    /// the database's work only, not across the round trips of a statement at a time.
    /// Returns the rows the statements return (SQLite's per-statement change counts are
    /// not reliable across BEGIN and COMMIT, so a batch that needs one ends with
    /// `SELECT changes()`). A failed statement rolls the whole transaction back.
    /// PostgreSQL prepares one statement per message and answers `Backend` errors here;
    /// it has parallel writers and does not need it.
    async fn write_batch(&self, statements: &str, args: Vec<Arg>) -> StoreResult<Vec<Self::Row>>;
    /// Runs a script of several statements in `tx` (migrations).
    async fn execute_script(&self, tx: &mut Self::Tx, sql: &str) -> StoreResult<()>;
    async fn fetch_optional_in(
        &self,
        tx: &mut Self::Tx,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Option<Self::Row>>;
    async fn fetch_all_in(
        &self,
        tx: &mut Self::Tx,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Vec<Self::Row>>;
    /// Reads outside any transaction (from the reader pool).
    async fn fetch_all(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Self::Row>>;
    async fn fetch_optional(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Self::Row>>;
    async fn ping(&self) -> StoreResult<()>;

    /// A condition that `column` starts with `prefix`, case-sensitively and with no
    /// wildcard characters in `prefix` honoured, using placeholder `$param`; and the value
    /// to bind there.
    fn starts_with(column: &str, param: usize, prefix: &str) -> (String, String);
}

/// Implements `cerulean_directory::Store` for a [`Backend`] by forwarding to the engine.
macro_rules! impl_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl cerulean_directory::Store for $ty {
            fn backend(&self) -> &'static str {
                <$ty as $crate::engine::Backend>::NAME
            }
            async fn ping(&self) -> cerulean_directory::StoreResult<()> {
                $crate::engine::Backend::ping(self).await
            }
            async fn create_tenant(
                &self,
                tenant: &cerulean_directory::Tenant,
                initial_domain: &cerulean_directory::Domain,
                applications: &[cerulean_directory::Application],
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::tenants::create_tenant(
                    self,
                    tenant,
                    initial_domain,
                    applications,
                    audit,
                )
                .await
            }
            async fn update_tenant(
                &self,
                tenant: &cerulean_directory::Tenant,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::tenants::update_tenant(self, tenant, audit).await
            }
            async fn tenant(
                &self,
                id: cerulean_directory::TenantId,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Tenant>> {
                $crate::engine::tenants::tenant(self, id).await
            }
            async fn tenants(
                &self,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::Tenant>> {
                $crate::engine::tenants::tenants(self).await
            }
            async fn add_domain(
                &self,
                domain: &cerulean_directory::Domain,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::tenants::add_domain(self, domain, audit).await
            }
            async fn update_domain(
                &self,
                domain: &cerulean_directory::Domain,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::tenants::update_domain(self, domain, audit).await
            }
            async fn domain(
                &self,
                name: &str,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Domain>> {
                $crate::engine::tenants::domain(self, name).await
            }
            async fn domains(
                &self,
                tenant: cerulean_directory::TenantId,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::Domain>> {
                $crate::engine::tenants::domains(self, tenant).await
            }
            async fn create_user(
                &self,
                user: &cerulean_directory::User,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::users::create_user(self, user, audit).await
            }
            async fn update_user(
                &self,
                user: &cerulean_directory::User,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::users::update_user(self, user, audit).await
            }
            async fn user(
                &self,
                tenant: cerulean_directory::TenantId,
                id: cerulean_directory::UserId,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::User>> {
                $crate::engine::users::user(self, tenant, id).await
            }
            async fn user_by_upn(
                &self,
                upn: &str,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::User>> {
                $crate::engine::users::user_by_upn(self, upn).await
            }
            async fn users(
                &self,
                tenant: cerulean_directory::TenantId,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::User>> {
                $crate::engine::users::users(self, tenant).await
            }
            async fn create_group(
                &self,
                group: &cerulean_directory::Group,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::groups::create_group(self, group, audit).await
            }
            async fn group(
                &self,
                tenant: cerulean_directory::TenantId,
                id: cerulean_directory::GroupId,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Group>> {
                $crate::engine::groups::group(self, tenant, id).await
            }
            async fn groups(
                &self,
                tenant: cerulean_directory::TenantId,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::Group>> {
                $crate::engine::groups::groups(self, tenant).await
            }
            async fn add_group_member(
                &self,
                tenant: cerulean_directory::TenantId,
                group: cerulean_directory::GroupId,
                member: cerulean_directory::Member,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<bool> {
                $crate::engine::groups::add_group_member(self, tenant, group, member, audit).await
            }
            async fn remove_group_member(
                &self,
                tenant: cerulean_directory::TenantId,
                group: cerulean_directory::GroupId,
                member: cerulean_directory::Member,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<bool> {
                $crate::engine::groups::remove_group_member(self, tenant, group, member, audit)
                    .await
            }
            async fn group_members(
                &self,
                tenant: cerulean_directory::TenantId,
                group: cerulean_directory::GroupId,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::Member>> {
                $crate::engine::groups::group_members(self, tenant, group).await
            }
            async fn member_of(
                &self,
                tenant: cerulean_directory::TenantId,
                member: cerulean_directory::Member,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::GroupId>> {
                $crate::engine::groups::member_of(self, tenant, member).await
            }
            async fn create_application(
                &self,
                app: &cerulean_directory::Application,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::apps::create_application(self, app, audit).await
            }
            async fn update_application(
                &self,
                app: &cerulean_directory::Application,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::apps::update_application(self, app, audit).await
            }
            async fn application(
                &self,
                tenant: cerulean_directory::TenantId,
                client_id: cerulean_directory::ClientId,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Application>> {
                $crate::engine::apps::application(self, tenant, client_id).await
            }
            async fn applications(
                &self,
                tenant: cerulean_directory::TenantId,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::Application>> {
                $crate::engine::apps::applications(self, tenant).await
            }
            async fn record_audit(
                &self,
                event: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::audit::record_audit(self, event).await
            }
            async fn audit_events(
                &self,
                query: &cerulean_directory::AuditQuery,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::AuditEvent>> {
                $crate::engine::audit::audit_events(self, query).await
            }
        }
    };
}
pub(crate) use authority::impl_authority_store;
pub(crate) use devices::impl_device_store;
pub(crate) use impl_store;
