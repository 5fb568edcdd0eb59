//! The behaviour every `Store` backend must have. `tests/sqlite.rs` runs it against SQLite
//! (a file and in memory) and `tests/postgres.rs` against PostgreSQL; each behaviour runs
//! on a fresh, empty store.
//!
//! To add a behaviour: write `pub async fn name(store: Arc<dyn Store>)` in the module for
//! its area (tenants, users, groups, apps, audit, concurrency, or one of `authority/`'s
//! or `devices/`' modules) and add its name to the list in `conformance_tests!`.

#![allow(dead_code)]

mod apps;
mod audit;
pub mod authority;
mod concurrency;
mod devices;
mod groups;
mod tenants;
mod users;

pub use apps::*;
pub use audit::*;
pub use authority::*;
pub use concurrency::*;
pub use devices::*;
pub use groups::*;
pub use tenants::*;
pub use users::*;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cerulean_directory::{
    Actor, Application, AuditEvent, AuditId, AuditQuery, AuditResult, Branding, ClientId, Domain,
    DomainKind, Group, GroupId, Store, StoreError, Tenant, TenantId, User, UserId,
};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A store for one behaviour, and how to clean up after it.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    pub cleanup: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// Generates one `#[tokio::test]` per behaviour, each on a store from `$fixture` (an async
/// fn returning `Option<TestStore>`; `None` skips).
macro_rules! conformance_tests {
    ($fixture:path) => {
        $crate::conformance::conformance_tests!(@each $fixture;
            tenant_create_and_fetch,
            create_tenant_is_atomic,
            duplicate_domain_across_tenants,
            domains_update_and_list,
            case_insensitive_lookups,
            duplicate_upn,
            optimistic_update_conflict,
            update_of_missing_rows_is_not_found,
            user_fields_round_trip,
            group_membership,
            applications_create_update_list,
            audit_written_with_each_mutation,
            audit_query_filters_and_ordering,
            audit_default_limit,
            concurrent_creates_with_same_upn,
            concurrent_distinct_creates,
            // the authority's state
            signing_keys_round_trip_newest_first,
            signing_key_duplicates_and_unknown_tenants,
            authorization_code_is_consumed_once,
            authorization_code_fields_and_expiry,
            refresh_token_rotation_and_reuse,
            refresh_token_expiry_is_the_callers_rule,
            refresh_family_revocation,
            revoke_all_refresh_tokens_of_a_user,
            device_code_approval_is_redeemed_once,
            device_code_denial_and_expiry,
            device_user_codes_are_unique_among_live_codes,
            device_code_insert_failures_are_atomic,
            sessions_insert_fetch_delete,
            lockout_state_defaults_and_updates,
            purge_deletes_only_expired_rows,
            nonce_is_consumed_once,
            concurrent_nonce_consumptions_have_one_winner,
            primary_refresh_tokens_insert_fetch_purge,
            primary_refresh_tokens_revocation,
            concurrent_code_redemptions_have_one_winner,
            concurrent_refresh_redemptions_have_one_winner,
            rotation_racing_reuse_revokes_the_successor,
            concurrent_device_polls_redeem_once,
            concurrent_device_decisions_have_one_winner,
            concurrent_device_codes_with_one_user_code,
            concurrent_lockout_updates_are_not_lost,
            // devices
            device_register_read_update_delete,
            device_unique_constraints,
            device_registration_owner_checks_and_reuse,
            device_listing_filters_pages_and_counts,
            device_registration_policy_round_trip,
            hello_keys_round_trip_and_go_with_their_device,
            concurrent_registrations_never_exceed_the_quota,
            registrations_dropped_mid_write_leave_whole_rows,
            concurrent_identical_registrations_make_one_device,
            device_ca_is_created_once,
            concurrent_device_ca_creations_converge,
            server_secrets_are_created_once,
        );
    };
    (@each $fixture:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                $crate::conformance::run($fixture, $crate::conformance::$name).await;
            }
        )*
    };
}
pub(crate) use conformance_tests;

/// Runs `behaviour` on a fresh store and always cleans up, even when it fails.
pub async fn run<F, FFut, B, BFut>(fixture: F, behaviour: B)
where
    F: FnOnce() -> FFut,
    FFut: Future<Output = Option<TestStore>>,
    B: FnOnce(Arc<dyn Store>) -> BFut,
    BFut: Future<Output = ()> + Send + 'static,
{
    let Some(test_store) = fixture().await else {
        return;
    };
    let outcome = tokio::spawn(behaviour(test_store.store)).await;
    test_store.cleanup.await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("behaviour did not finish: {e}");
    }
}

// ── model builders ────────────────────────────────────────────────────────────────────

/// A fixed instant `secs` after 2025-01-01, with microseconds (which the store keeps).
pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_735_689_600).unwrap()
        + Duration::seconds(secs)
        + Duration::microseconds(123_456)
}

/// Now, truncated to the microsecond the store keeps.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap()
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..12])
}

pub fn tenant_model(name: &str) -> (Tenant, Domain) {
    let id = TenantId::random();
    let domain_name = format!("{}.test", unique(name)).to_lowercase();
    let tenant = Tenant {
        id,
        display_name: format!("{name} Ltd"),
        initial_domain: domain_name.clone(),
        branding: Branding::default(),
        created_at: now(),
    };
    let domain = Domain {
        name: domain_name,
        tenant_id: id,
        kind: DomainKind::Managed,
        is_initial: true,
        created_at: tenant.created_at,
    };
    (tenant, domain)
}

pub fn app_model(tenant: TenantId, name: &str) -> Application {
    Application {
        tenant_id: tenant,
        client_id: ClientId::random(),
        display_name: name.to_string(),
        first_party: false,
        public_client: true,
        redirect_uris: vec!["http://localhost".into(), "ms-appx-web://x/y".into()],
        identifier_uris: vec![format!("api://{name}")],
        scopes: vec!["user_impersonation".into()],
        secrets: Vec::new(),
        created_at: now(),
        version: 1,
    }
}

pub fn user_model(tenant: TenantId, upn: &str) -> User {
    User {
        id: UserId::random(),
        tenant_id: tenant,
        upn: upn.to_string(),
        display_name: format!("User {upn}"),
        enabled: true,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        password_changed_at: Some(now()),
        roles: BTreeSet::new(),
        created_at: now(),
        version: 1,
    }
}

pub fn group_model(tenant: TenantId, name: &str) -> Group {
    Group {
        id: GroupId::random(),
        tenant_id: tenant,
        display_name: name.to_string(),
        description: Some(format!("The {name} group")),
        created_at: now(),
    }
}

pub fn event(tenant: Option<TenantId>, action: &str, target: &str) -> AuditEvent {
    AuditEvent {
        id: AuditId::random(),
        time: now(),
        tenant_id: tenant,
        actor: Actor::Operator("conformance".into()),
        action: action.to_string(),
        target: target.to_string(),
        correlation_id: Some(Uuid::new_v4().to_string()),
        result: AuditResult::Success,
        details: json!({ "test": true }),
    }
}

/// Creates a tenant (no applications) and returns it with its initial domain.
pub async fn create_tenant(store: &Arc<dyn Store>, name: &str) -> (Tenant, Domain) {
    let (tenant, domain) = tenant_model(name);
    let ev = event(
        Some(tenant.id),
        "tenant.create",
        &format!("tenant:{}", tenant.id),
    );
    store
        .create_tenant(&tenant, &domain, &[], &ev)
        .await
        .unwrap();
    (tenant, domain)
}

pub async fn create_user(store: &Arc<dyn Store>, tenant: TenantId, upn: &str) -> User {
    let user = user_model(tenant, upn);
    let ev = event(Some(tenant), "user.create", &format!("user:{}", user.id));
    store.create_user(&user, &ev).await.unwrap();
    user
}

pub async fn audit_of(store: &Arc<dyn Store>, tenant: TenantId) -> Vec<AuditEvent> {
    store
        .audit_events(&AuditQuery {
            tenant_id: Some(tenant),
            limit: 10_000,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
}

pub async fn actions_of(store: &Arc<dyn Store>, tenant: TenantId) -> Vec<String> {
    audit_of(store, tenant)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect()
}

pub fn assert_duplicate(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::Duplicate { what: got }) if got == what => {}
        other => panic!("expected Duplicate {{ what: {what:?} }}, got {other:?}"),
    }
}

pub fn assert_not_found(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::NotFound { what: got }) if got == what => {}
        other => panic!("expected NotFound {{ what: {what:?} }}, got {other:?}"),
    }
}

pub fn assert_conflict(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::Conflict { what: got }) if got == what => {}
        other => panic!("expected Conflict {{ what: {what:?} }}, got {other:?}"),
    }
}
