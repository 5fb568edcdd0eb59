//! The behaviour every `Store` backend must have. `tests/sqlite.rs` runs it against SQLite
//! (a file and in memory) and `tests/postgres.rs` against PostgreSQL; each behaviour runs
//! on a fresh, empty store.
//!
//! To add a behaviour: write `pub async fn name(store: Arc<dyn Store>)` below and add its
//! name to the list in `conformance_tests!`.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cerulean_directory::{
    Actor, Application, AuditEvent, AuditId, AuditQuery, AuditResult, Branding, ClientId,
    ClientSecret, Domain, DomainKind, FederationProtocol, FederationSettings, Group, GroupId,
    Member, Role, Store, StoreError, Tenant, TenantId, User, UserId,
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

fn assert_duplicate(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::Duplicate { what: got }) if got == what => {}
        other => panic!("expected Duplicate {{ what: {what:?} }}, got {other:?}"),
    }
}

fn assert_not_found(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::NotFound { what: got }) if got == what => {}
        other => panic!("expected NotFound {{ what: {what:?} }}, got {other:?}"),
    }
}

fn assert_conflict(result: Result<(), StoreError>, what: &str) {
    match result {
        Err(StoreError::Conflict { what: got }) if got == what => {}
        other => panic!("expected Conflict {{ what: {what:?} }}, got {other:?}"),
    }
}

// ── tenants and domains ───────────────────────────────────────────────────────────────

pub async fn tenant_create_and_fetch(store: Arc<dyn Store>) {
    assert!(["sqlite", "postgres"].contains(&store.backend()));
    store.ping().await.unwrap();

    let (mut tenant, domain) = tenant_model("contoso");
    tenant.branding = Branding {
        background_color: Some("#0078d4".into()),
        banner_logo_url: Some("https://cdn.contoso.test/logo.png".into()),
        sign_in_page_text: Some("Welcome to Contoso — ünïcödé".into()),
        user_id_label: None,
    };
    let mut apps = vec![
        app_model(tenant.id, "Charlie"),
        app_model(tenant.id, "alpha"),
        app_model(tenant.id, "Bravo"),
    ];
    apps[0].first_party = true;
    apps[0].public_client = false;
    apps[0].secrets = vec![ClientSecret {
        id: Uuid::new_v4(),
        display_name: "ci".into(),
        hint: "abc".into(),
        verifier: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: now(),
        expires_at: Some(now() + Duration::days(365)),
    }];
    let ev = event(Some(tenant.id), "tenant.create", "tenant:x");
    store
        .create_tenant(&tenant, &domain, &apps, &ev)
        .await
        .unwrap();

    assert_eq!(store.tenant(tenant.id).await.unwrap(), Some(tenant.clone()));
    assert_eq!(store.tenants().await.unwrap(), vec![tenant.clone()]);
    assert_eq!(
        store.domain(&domain.name).await.unwrap(),
        Some(domain.clone())
    );
    assert_eq!(
        store.domains(tenant.id).await.unwrap(),
        vec![domain.clone()]
    );
    // Listed by display name, case-insensitively.
    let listed = store.applications(tenant.id).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|a| a.display_name.as_str()).collect();
    assert_eq!(names, ["alpha", "Bravo", "Charlie"]);
    for app in &apps {
        assert_eq!(
            store
                .application(tenant.id, app.client_id)
                .await
                .unwrap()
                .as_ref(),
            Some(app)
        );
        assert!(listed.contains(app));
    }
    assert_eq!(audit_of(&store, tenant.id).await, vec![ev]);

    assert_eq!(store.tenant(TenantId::random()).await.unwrap(), None);
    assert_eq!(store.domain("nowhere.test").await.unwrap(), None);
    assert!(store.domains(TenantId::random()).await.unwrap().is_empty());
    let (second, _) = create_tenant(&store, "second").await;
    let ids: Vec<TenantId> = store
        .tenants()
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&tenant.id) && ids.contains(&second.id));
}

pub async fn create_tenant_is_atomic(store: Arc<dyn Store>) {
    let (first, first_domain) = create_tenant(&store, "first").await;

    // The initial domain is taken: nothing of the second tenant may remain.
    let (second, mut second_domain) = tenant_model("second");
    second_domain.name = first_domain.name.clone();
    let apps = vec![app_model(second.id, "App")];
    let ev = event(Some(second.id), "tenant.create", "tenant:second");
    assert_duplicate(
        store
            .create_tenant(&second, &second_domain, &apps, &ev)
            .await,
        "domain",
    );
    assert_eq!(store.tenant(second.id).await.unwrap(), None);
    assert!(store.applications(second.id).await.unwrap().is_empty());
    assert!(audit_of(&store, second.id).await.is_empty());
    assert_eq!(
        store
            .domain(&first_domain.name)
            .await
            .unwrap()
            .unwrap()
            .tenant_id,
        first.id
    );

    // A failure late in the transaction (the second of two applications with one client
    // id) undoes the tenant and domain written before it.
    let (third, third_domain) = tenant_model("third");
    let app = app_model(third.id, "Twice");
    let mut again = app_model(third.id, "Twice again");
    again.client_id = app.client_id;
    let ev = event(Some(third.id), "tenant.create", "tenant:third");
    assert_duplicate(
        store
            .create_tenant(&third, &third_domain, &[app, again], &ev)
            .await,
        "application",
    );
    assert_eq!(store.tenant(third.id).await.unwrap(), None);
    assert_eq!(store.domain(&third_domain.name).await.unwrap(), None);
    assert!(audit_of(&store, third.id).await.is_empty());

    assert_eq!(store.tenants().await.unwrap(), vec![first]);
    let all = store.audit_events(&AuditQuery::default()).await.unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
}

pub async fn duplicate_domain_across_tenants(store: Arc<dyn Store>) {
    let (one, one_domain) = create_tenant(&store, "one").await;
    let (two, _) = create_tenant(&store, "two").await;

    let shared = Domain {
        name: format!("{}.test", unique("shared")),
        tenant_id: one.id,
        kind: DomainKind::Managed,
        is_initial: false,
        created_at: now(),
    };
    store
        .add_domain(&shared, &event(Some(one.id), "domain.add", "domain:shared"))
        .await
        .unwrap();

    for name in [
        shared.name.clone(),
        shared.name.to_uppercase(),
        one_domain.name.clone(),
    ] {
        let clash = Domain {
            name,
            tenant_id: two.id,
            kind: DomainKind::Managed,
            is_initial: false,
            created_at: now(),
        };
        assert_duplicate(
            store
                .add_domain(&clash, &event(Some(two.id), "domain.add", "domain:clash"))
                .await,
            "domain",
        );
    }
    // The same tenant cannot add it twice either.
    assert_duplicate(
        store
            .add_domain(&shared, &event(Some(one.id), "domain.add", "domain:again"))
            .await,
        "domain",
    );
    // A domain for a tenant that does not exist.
    let orphan = Domain {
        name: format!("{}.test", unique("orphan")),
        tenant_id: TenantId::random(),
        kind: DomainKind::Managed,
        is_initial: false,
        created_at: now(),
    };
    assert_not_found(
        store
            .add_domain(&orphan, &event(None, "domain.add", "domain:orphan"))
            .await,
        "tenant",
    );

    assert_eq!(actions_of(&store, two.id).await, ["tenant.create"]);
    assert_eq!(
        actions_of(&store, one.id).await,
        ["domain.add", "tenant.create"]
    );
    assert_eq!(store.domains(two.id).await.unwrap().len(), 1);
    assert_eq!(
        store.domain(&shared.name).await.unwrap().unwrap().tenant_id,
        one.id
    );
}

pub async fn domains_update_and_list(store: Arc<dyn Store>) {
    let (tenant, initial) = create_tenant(&store, "fed").await;
    let federated_kind = DomainKind::Federated(FederationSettings {
        issuer_uri: "http://adfs.fed.test/adfs/services/trust".into(),
        passive_sign_in_uri: "https://adfs.fed.test/adfs/ls/".into(),
        active_sign_in_uri: Some(
            "https://adfs.fed.test/adfs/services/trust/2005/usernamemixed".into(),
        ),
        metadata_exchange_uri: Some("https://adfs.fed.test/adfs/services/trust/mex".into()),
        sign_out_uri: None,
        signing_certificate: Some("MIIC…".into()),
        preferred_authentication_protocol: FederationProtocol::Saml,
        brand_name: Some("Fed Sign-in".into()),
    });
    // Names sort after and before the initial domain; the initial one is listed first.
    let mut extra = Vec::new();
    for prefix in ["aaa", "zzz"] {
        let domain = Domain {
            name: format!("{prefix}.{}", initial.name),
            tenant_id: tenant.id,
            kind: DomainKind::Managed,
            is_initial: false,
            created_at: now(),
        };
        store
            .add_domain(&domain, &event(Some(tenant.id), "domain.add", "domain:x"))
            .await
            .unwrap();
        extra.push(domain);
    }
    let mut federated = extra[1].clone();
    federated.kind = federated_kind;
    store
        .update_domain(
            &federated,
            &event(Some(tenant.id), "domain.update", "domain:x"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.domain(&federated.name).await.unwrap(),
        Some(federated.clone())
    );
    assert_eq!(
        store.domains(tenant.id).await.unwrap(),
        vec![initial.clone(), extra[0].clone(), federated.clone()]
    );

    // Back to managed.
    let mut managed = federated.clone();
    managed.kind = DomainKind::Managed;
    store
        .update_domain(
            &managed,
            &event(Some(tenant.id), "domain.update", "domain:x"),
        )
        .await
        .unwrap();
    assert_eq!(store.domain(&managed.name).await.unwrap(), Some(managed));

    // update_tenant writes display name and branding.
    let mut renamed = tenant.clone();
    renamed.display_name = "Fed Renamed".into();
    renamed.branding.background_color = Some("#000000".into());
    store
        .update_tenant(
            &renamed,
            &event(Some(tenant.id), "tenant.update", "tenant:x"),
        )
        .await
        .unwrap();
    assert_eq!(store.tenant(tenant.id).await.unwrap(), Some(renamed));
    assert_eq!(
        actions_of(&store, tenant.id).await,
        [
            "tenant.update",
            "domain.update",
            "domain.update",
            "domain.add",
            "domain.add",
            "tenant.create"
        ]
    );
}

pub async fn case_insensitive_lookups(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "Fabrikam").await;
    assert_eq!(
        store.domain(&domain.name.to_uppercase()).await.unwrap(),
        Some(domain.clone())
    );

    let upn = format!("Alice.Smith@{}", domain.name.to_uppercase());
    let alice = create_user(&store, tenant.id, &upn).await;
    let found = store
        .user_by_upn(&upn.to_lowercase())
        .await
        .unwrap()
        .expect("found by lower-case UPN");
    assert_eq!(found, alice);
    assert_eq!(found.upn, upn, "the UPN is kept as entered");
    assert_eq!(
        store.user_by_upn(&upn.to_uppercase()).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store
            .user_by_upn(&format!("bob@{}", domain.name))
            .await
            .unwrap(),
        None
    );

    let umlaut = create_user(&store, tenant.id, &format!("Ärger@{}", domain.name)).await;
    assert_eq!(
        store
            .user_by_upn(&format!("ärger@{}", domain.name))
            .await
            .unwrap(),
        Some(umlaut)
    );
    assert_eq!(
        store.user(tenant.id, alice.id).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store.user(TenantId::random(), alice.id).await.unwrap(),
        None
    );
}

// ── users ─────────────────────────────────────────────────────────────────────────────

pub async fn duplicate_upn(store: Arc<dyn Store>) {
    let (one, one_domain) = create_tenant(&store, "one").await;
    let (two, _) = create_tenant(&store, "two").await;
    let upn = format!("Bob@{}", one_domain.name);
    let bob = create_user(&store, one.id, &upn).await;

    // Same UPN in another case, in another tenant: UPNs are unique deployment-wide.
    let clash = user_model(two.id, &upn.to_lowercase());
    assert_duplicate(
        store
            .create_user(&clash, &event(Some(two.id), "user.create", "user:x"))
            .await,
        "upn",
    );
    // The same object id again.
    let mut same_id = user_model(one.id, &format!("other@{}", one_domain.name));
    same_id.id = bob.id;
    assert!(matches!(
        store
            .create_user(&same_id, &event(Some(one.id), "user.create", "user:y"))
            .await,
        Err(StoreError::Duplicate { .. })
    ));
    // A user of a tenant that does not exist.
    let orphan = user_model(TenantId::random(), &format!("{}@nowhere.test", unique("o")));
    assert_not_found(
        store
            .create_user(&orphan, &event(None, "user.create", "user:z"))
            .await,
        "tenant",
    );

    assert_eq!(store.users(one.id).await.unwrap(), vec![bob]);
    assert!(store.users(two.id).await.unwrap().is_empty());
    assert_eq!(
        actions_of(&store, one.id).await,
        ["user.create", "tenant.create"]
    );
    assert_eq!(actions_of(&store, two.id).await, ["tenant.create"]);
}

pub async fn optimistic_update_conflict(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "occ").await;
    let user = create_user(&store, tenant.id, &format!("carol@{}", domain.name)).await;
    let other = create_user(&store, tenant.id, &format!("dave@{}", domain.name)).await;

    let mut a = user.clone();
    a.display_name = "Carol A".into();
    a.version += 1;
    let mut b = user.clone();
    b.display_name = "Carol B".into();
    b.version += 1;
    let ev_a = event(Some(tenant.id), "user.update", "user:a");
    let ev_b = event(Some(tenant.id), "user.update", "user:b");
    let (ra, rb) = tokio::join!(store.update_user(&a, &ev_a), store.update_user(&b, &ev_b));
    let (winner, winner_event, loser) = match (ra, rb) {
        (Ok(()), lost) => (a, ev_a, lost),
        (lost, Ok(())) => (b, ev_b, lost),
        (ra, rb) => panic!("both updates failed: {ra:?} {rb:?}"),
    };
    assert_conflict(loser, "user");
    let stored = store.user(tenant.id, user.id).await.unwrap().unwrap();
    assert_eq!(stored, winner);
    assert_eq!(stored.version, 2);
    let updates: Vec<AuditEvent> = audit_of(&store, tenant.id)
        .await
        .into_iter()
        .filter(|e| e.action == "user.update")
        .collect();
    assert_eq!(updates, vec![winner_event]);

    // From the stored copy, the next update works; replaying it is stale.
    let mut next = stored.clone();
    next.version += 1;
    next.enabled = false;
    next.roles = Role::ALL.into_iter().collect();
    next.password_hash = None;
    next.password_changed_at = None;
    store
        .update_user(&next, &event(Some(tenant.id), "user.update", "user:c"))
        .await
        .unwrap();
    assert_eq!(
        store.user(tenant.id, user.id).await.unwrap(),
        Some(next.clone())
    );
    assert_conflict(
        store
            .update_user(&next, &event(Some(tenant.id), "user.update", "user:d"))
            .await,
        "user",
    );

    // Renaming onto another user's UPN is a duplicate and changes nothing.
    let mut rename = next.clone();
    rename.version += 1;
    rename.upn = other.upn.to_uppercase();
    assert_duplicate(
        store
            .update_user(&rename, &event(Some(tenant.id), "user.update", "user:e"))
            .await,
        "upn",
    );
    assert_eq!(
        store.user(tenant.id, user.id).await.unwrap(),
        Some(next.clone())
    );

    // A rename to a free UPN moves the lookup key.
    let mut moved = next.clone();
    moved.version += 1;
    moved.upn = format!("Caroline@{}", domain.name);
    store
        .update_user(&moved, &event(Some(tenant.id), "user.update", "user:f"))
        .await
        .unwrap();
    assert_eq!(store.user_by_upn(&user.upn).await.unwrap(), None);
    assert_eq!(
        store.user_by_upn(&moved.upn.to_lowercase()).await.unwrap(),
        Some(moved)
    );
    let count = |actions: Vec<String>| actions.iter().filter(|a| *a == "user.update").count();
    assert_eq!(count(actions_of(&store, tenant.id).await), 3);
}

pub async fn update_of_missing_rows_is_not_found(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "missing").await;
    let (elsewhere, _) = create_tenant(&store, "elsewhere").await;

    let mut ghost = user_model(tenant.id, &format!("ghost@{}", domain.name));
    ghost.version = 2;
    assert_not_found(
        store
            .update_user(&ghost, &event(Some(tenant.id), "user.update", "user:ghost"))
            .await,
        "user",
    );
    // A user exists, but not in the tenant the update names.
    let real = create_user(&store, tenant.id, &format!("real@{}", domain.name)).await;
    let mut moved = real.clone();
    moved.tenant_id = elsewhere.id;
    moved.version += 1;
    assert_not_found(
        store
            .update_user(
                &moved,
                &event(Some(elsewhere.id), "user.update", "user:real"),
            )
            .await,
        "user",
    );

    let mut app = app_model(tenant.id, "Ghost app");
    app.version = 2;
    assert_not_found(
        store
            .update_application(&app, &event(Some(tenant.id), "app.update", "app:ghost"))
            .await,
        "application",
    );
    let (phantom, phantom_domain) = tenant_model("phantom");
    assert_not_found(
        store
            .update_tenant(&phantom, &event(Some(phantom.id), "tenant.update", "t"))
            .await,
        "tenant",
    );
    assert_not_found(
        store
            .update_domain(
                &phantom_domain,
                &event(Some(phantom.id), "domain.update", "d"),
            )
            .await,
        "domain",
    );
    // A domain of another tenant is not found either.
    let mut wrong_tenant = domain.clone();
    wrong_tenant.tenant_id = elsewhere.id;
    assert_not_found(
        store
            .update_domain(
                &wrong_tenant,
                &event(Some(elsewhere.id), "domain.update", "d"),
            )
            .await,
        "domain",
    );

    // None of the failures left an audit record.
    assert_eq!(
        actions_of(&store, tenant.id).await,
        ["user.create", "tenant.create"]
    );
    assert_eq!(actions_of(&store, elsewhere.id).await, ["tenant.create"]);
    assert!(audit_of(&store, phantom.id).await.is_empty());
    assert_eq!(store.user(tenant.id, real.id).await.unwrap(), Some(real));
}

pub async fn user_fields_round_trip(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "fields").await;
    let mut admin = user_model(tenant.id, &format!("admin@{}", domain.name));
    admin.roles = Role::ALL.into_iter().collect();
    // 1965: before the epoch, so stored as negative microseconds.
    admin.created_at = at(-86_400 * 365 * 60);
    admin.password_changed_at = Some(at(0));
    admin.version = 7;
    let mut federated = user_model(tenant.id, &format!("fed@{}", domain.name));
    federated.password_hash = None;
    federated.password_changed_at = None;
    federated.enabled = false;
    federated.display_name = "Ünïcode “quotes” 'single' \\ back".into();
    for user in [&admin, &federated] {
        store
            .create_user(user, &event(Some(tenant.id), "user.create", "u"))
            .await
            .unwrap();
        assert_eq!(
            store.user(tenant.id, user.id).await.unwrap().as_ref(),
            Some(user)
        );
    }
    // Listed by UPN.
    assert_eq!(
        store.users(tenant.id).await.unwrap(),
        vec![admin, federated]
    );
}

// ── groups ────────────────────────────────────────────────────────────────────────────

pub async fn group_membership(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "groups").await;
    let (other, _) = create_tenant(&store, "other").await;
    let u1 = create_user(&store, tenant.id, &format!("u1@{}", domain.name)).await;
    let u2 = create_user(&store, tenant.id, &format!("u2@{}", domain.name)).await;
    let zeta = group_model(tenant.id, "Zeta");
    let mut alpha = group_model(tenant.id, "alpha");
    alpha.description = None;
    let foreign = group_model(other.id, "Foreign");
    for group in [&zeta, &alpha, &foreign] {
        store
            .create_group(group, &event(Some(group.tenant_id), "group.create", "g"))
            .await
            .unwrap();
    }
    assert_eq!(
        store.groups(tenant.id).await.unwrap(),
        vec![alpha.clone(), zeta.clone()]
    );
    assert_eq!(
        store.group(tenant.id, zeta.id).await.unwrap(),
        Some(zeta.clone())
    );
    assert_eq!(store.group(other.id, zeta.id).await.unwrap(), None);
    let mut dup = group_model(tenant.id, "Dup");
    dup.id = zeta.id;
    assert_duplicate(
        store
            .create_group(&dup, &event(Some(tenant.id), "group.create", "g"))
            .await,
        "group",
    );

    let device = Member::Device(Uuid::new_v4());
    let add = |group: GroupId, member: Member| {
        let store = store.clone();
        async move {
            store
                .add_group_member(
                    tenant.id,
                    group,
                    member,
                    &event(Some(tenant.id), "group.member.add", "g"),
                )
                .await
        }
    };
    let remove = |group: GroupId, member: Member| {
        let store = store.clone();
        async move {
            store
                .remove_group_member(
                    tenant.id,
                    group,
                    member,
                    &event(Some(tenant.id), "group.member.remove", "g"),
                )
                .await
        }
    };
    assert!(add(zeta.id, Member::User(u1.id)).await.unwrap());
    assert!(
        !add(zeta.id, Member::User(u1.id)).await.unwrap(),
        "already a member"
    );
    assert!(add(zeta.id, device).await.unwrap());
    assert!(add(zeta.id, Member::Group(alpha.id)).await.unwrap());
    assert!(add(alpha.id, Member::User(u1.id)).await.unwrap());

    let mut expected = vec![Member::User(u1.id), device, Member::Group(alpha.id)];
    expected.sort();
    assert_eq!(
        store.group_members(tenant.id, zeta.id).await.unwrap(),
        expected
    );
    let mut both = vec![zeta.id, alpha.id];
    both.sort();
    assert_eq!(
        store
            .member_of(tenant.id, Member::User(u1.id))
            .await
            .unwrap(),
        both
    );
    assert_eq!(
        store.member_of(tenant.id, device).await.unwrap(),
        vec![zeta.id]
    );
    assert!(
        store
            .member_of(tenant.id, Member::User(u2.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .member_of(other.id, Member::User(u1.id))
            .await
            .unwrap()
            .is_empty()
    );

    assert!(remove(zeta.id, Member::User(u1.id)).await.unwrap());
    assert!(
        !remove(zeta.id, Member::User(u1.id)).await.unwrap(),
        "no longer a member"
    );
    assert!(
        !remove(zeta.id, Member::User(u2.id)).await.unwrap(),
        "never a member"
    );
    assert_eq!(
        store
            .member_of(tenant.id, Member::User(u1.id))
            .await
            .unwrap(),
        vec![alpha.id]
    );

    // A group of another tenant, or none at all.
    match add(foreign.id, Member::User(u1.id)).await {
        Err(StoreError::NotFound { what: "group" }) => {}
        other => panic!("expected NotFound group, got {other:?}"),
    }
    match remove(GroupId::random(), Member::User(u1.id)).await {
        Err(StoreError::NotFound { what: "group" }) => {}
        other => panic!("expected NotFound group, got {other:?}"),
    }
    assert!(
        store
            .group_members(other.id, foreign.id)
            .await
            .unwrap()
            .is_empty()
    );

    let actions = actions_of(&store, tenant.id).await;
    let count = |name: &str| actions.iter().filter(|a| *a == name).count();
    assert_eq!(count("group.member.add"), 4);
    assert_eq!(count("group.member.remove"), 1);
    assert_eq!(count("group.create"), 2);
}

// ── applications ──────────────────────────────────────────────────────────────────────

pub async fn applications_create_update_list(store: Arc<dyn Store>) {
    let (tenant, _) = create_tenant(&store, "apps").await;
    let (other, _) = create_tenant(&store, "other").await;
    let app = app_model(tenant.id, "Portal");
    store
        .create_application(&app, &event(Some(tenant.id), "app.create", "a"))
        .await
        .unwrap();
    assert_duplicate(
        store
            .create_application(&app, &event(Some(tenant.id), "app.create", "a"))
            .await,
        "application",
    );
    // The same client id is fine in another tenant (first-party apps are in every one).
    let mut twin = app.clone();
    twin.tenant_id = other.id;
    twin.display_name = "Portal elsewhere".into();
    store
        .create_application(&twin, &event(Some(other.id), "app.create", "a"))
        .await
        .unwrap();
    assert_eq!(
        store.application(tenant.id, app.client_id).await.unwrap(),
        Some(app.clone())
    );
    assert_eq!(
        store.application(other.id, app.client_id).await.unwrap(),
        Some(twin)
    );
    assert_eq!(
        store
            .application(tenant.id, ClientId::random())
            .await
            .unwrap(),
        None
    );

    let mut updated = app.clone();
    updated.version += 1;
    updated.public_client = false;
    updated.redirect_uris.push("https://portal.test/cb".into());
    updated.secrets.push(ClientSecret {
        id: Uuid::new_v4(),
        display_name: "deploy".into(),
        hint: "xyz".into(),
        verifier: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: now(),
        expires_at: None,
    });
    store
        .update_application(&updated, &event(Some(tenant.id), "app.update", "a"))
        .await
        .unwrap();
    assert_eq!(
        store.application(tenant.id, app.client_id).await.unwrap(),
        Some(updated.clone())
    );
    let mut stale = app.clone();
    stale.version += 1;
    stale.display_name = "Stale".into();
    assert_conflict(
        store
            .update_application(&stale, &event(Some(tenant.id), "app.update", "a"))
            .await,
        "application",
    );

    let first = app_model(tenant.id, "aardvark");
    store
        .create_application(&first, &event(Some(tenant.id), "app.create", "a"))
        .await
        .unwrap();
    assert_eq!(
        store.applications(tenant.id).await.unwrap(),
        vec![first, updated]
    );
    assert_eq!(
        actions_of(&store, tenant.id).await,
        ["app.create", "app.update", "app.create", "tenant.create"]
    );
}

// ── audit ─────────────────────────────────────────────────────────────────────────────

pub async fn audit_written_with_each_mutation(store: Arc<dyn Store>) {
    let mut expected: Vec<AuditEvent> = Vec::new();
    let mut clock = 0;
    let mut ev = |tenant: TenantId, action: &str| {
        clock += 1;
        let mut e = event(Some(tenant), action, &format!("target:{action}"));
        e.time = at(clock);
        e.details = json!({ "step": clock, "nested": { "list": [1, "two", null] } });
        e
    };
    let (tenant, domain) = tenant_model("audited");
    let e = ev(tenant.id, "tenant.create");
    store
        .create_tenant(&tenant, &domain, &[app_model(tenant.id, "Seed")], &e)
        .await
        .unwrap();
    expected.push(e);

    let mut renamed = tenant.clone();
    renamed.display_name = "Audited 2".into();
    let mut e = ev(tenant.id, "tenant.update");
    e.actor = Actor::User(Uuid::new_v4().to_string());
    e.correlation_id = None;
    store.update_tenant(&renamed, &e).await.unwrap();
    expected.push(e);

    let extra = Domain {
        name: format!("extra.{}", domain.name),
        tenant_id: tenant.id,
        kind: DomainKind::Managed,
        is_initial: false,
        created_at: now(),
    };
    let mut e = ev(tenant.id, "domain.add");
    e.actor = Actor::Application(ClientId::random().to_string());
    store.add_domain(&extra, &e).await.unwrap();
    expected.push(e);

    let mut fed = extra.clone();
    fed.kind = DomainKind::Federated(FederationSettings::default());
    let mut e = ev(tenant.id, "domain.update");
    e.actor = Actor::Device("device-123".into());
    store.update_domain(&fed, &e).await.unwrap();
    expected.push(e);

    let user = user_model(tenant.id, &format!("u@{}", domain.name));
    let mut e = ev(tenant.id, "user.create");
    e.actor = Actor::System;
    store.create_user(&user, &e).await.unwrap();
    expected.push(e);

    let mut user2 = user.clone();
    user2.version += 1;
    let e = ev(tenant.id, "user.update");
    store.update_user(&user2, &e).await.unwrap();
    expected.push(e);

    let group = group_model(tenant.id, "G");
    let e = ev(tenant.id, "group.create");
    store.create_group(&group, &e).await.unwrap();
    expected.push(e);

    let e = ev(tenant.id, "group.member.add");
    assert!(
        store
            .add_group_member(tenant.id, group.id, Member::User(user.id), &e)
            .await
            .unwrap()
    );
    expected.push(e);

    let e = ev(tenant.id, "group.member.remove");
    assert!(
        store
            .remove_group_member(tenant.id, group.id, Member::User(user.id), &e)
            .await
            .unwrap()
    );
    expected.push(e);

    let app = app_model(tenant.id, "App");
    let e = ev(tenant.id, "app.create");
    store.create_application(&app, &e).await.unwrap();
    expected.push(e);

    let mut app2 = app.clone();
    app2.version += 1;
    let e = ev(tenant.id, "app.update");
    store.update_application(&app2, &e).await.unwrap();
    expected.push(e);

    let mut e = ev(tenant.id, "signin.password");
    e.actor = Actor::Anonymous;
    e.result = AuditResult::Failure("AADSTS50126: invalid username or password".into());
    store.record_audit(&e).await.unwrap();
    expected.push(e);

    expected.reverse();
    assert_eq!(audit_of(&store, tenant.id).await, expected);
}

pub async fn audit_query_filters_and_ordering(store: Arc<dyn Store>) {
    let a = TenantId::random();
    let b = TenantId::random();
    let mut recorded: Vec<AuditEvent> = Vec::new();
    let actions = [
        "user.create",
        "group.create",
        "User.create", // case matters
        "user.password.set",
        "a%b.x",
        "axb.x",
        "a_b.x",
        "acb.x",
        "a*b.x",
        "a?b.x",
        "a[b.x",
    ];
    for (i, action) in actions.iter().enumerate() {
        let mut e = event(Some(a), action, &format!("t{i}"));
        e.time = at(i as i64 * 10);
        store.record_audit(&e).await.unwrap();
        recorded.push(e);
    }
    let mut in_b = event(Some(b), "user.create", "tb");
    in_b.time = at(1_000);
    store.record_audit(&in_b).await.unwrap();
    let mut tenantless = event(None, "signin.password", "anon");
    tenantless.time = at(500);
    store.record_audit(&tenantless).await.unwrap();
    // Two events in the same microsecond: the later write is listed first.
    let mut tie_1 = event(Some(b), "tie.first", "t");
    tie_1.time = at(2_000);
    let mut tie_2 = event(Some(b), "tie.second", "t");
    tie_2.time = at(2_000);
    store.record_audit(&tie_1).await.unwrap();
    store.record_audit(&tie_2).await.unwrap();

    let query = |tenant: Option<TenantId>, prefix: Option<&str>, since: Option<i64>, limit| {
        let store = store.clone();
        let q = AuditQuery {
            tenant_id: tenant,
            action_prefix: prefix.map(str::to_string),
            since: since.map(at),
            limit,
        };
        async move {
            store
                .audit_events(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.action)
                .collect::<Vec<_>>()
        }
    };
    let newest_first: Vec<String> = actions.iter().rev().map(|s| s.to_string()).collect();
    assert_eq!(query(Some(a), None, None, 0).await, newest_first);
    assert_eq!(
        query(Some(a), Some("user."), None, 0).await,
        ["user.password.set", "user.create"]
    );
    assert_eq!(
        query(Some(a), Some("User."), None, 0).await,
        ["User.create"]
    );
    assert_eq!(query(Some(a), Some("a%b"), None, 0).await, ["a%b.x"]);
    assert_eq!(query(Some(a), Some("a_b"), None, 0).await, ["a_b.x"]);
    assert_eq!(query(Some(a), Some("a*b"), None, 0).await, ["a*b.x"]);
    assert_eq!(query(Some(a), Some("a?b"), None, 0).await, ["a?b.x"]);
    assert_eq!(query(Some(a), Some("a[b"), None, 0).await, ["a[b.x"]);
    assert_eq!(
        query(Some(a), Some("nothing"), None, 0).await,
        Vec::<String>::new()
    );
    // `since` is inclusive.
    assert_eq!(
        query(Some(a), None, Some(80), 0).await,
        ["a[b.x", "a?b.x", "a*b.x"]
    );
    assert_eq!(query(Some(a), None, None, 2).await, ["a[b.x", "a?b.x"]);
    assert_eq!(
        query(Some(a), Some("user"), Some(10), 1).await,
        ["user.password.set"]
    );
    assert_eq!(
        query(Some(b), None, None, 0).await,
        ["tie.second", "tie.first", "user.create"]
    );
    // Without a tenant: every event, newest first.
    let all = query(None, None, None, 0).await;
    assert_eq!(all.len(), actions.len() + 4);
    assert_eq!(
        &all[..5],
        [
            "tie.second",
            "tie.first",
            "user.create",
            "signin.password",
            "a[b.x"
        ]
    );
    assert_eq!(
        query(None, Some("signin."), None, 0).await,
        ["signin.password"]
    );
    // Content survives the round trip.
    let events = store
        .audit_events(&AuditQuery {
            tenant_id: Some(a),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    recorded.reverse();
    assert_eq!(events, recorded);
}

pub async fn audit_default_limit(store: Arc<dyn Store>) {
    let tenant = TenantId::random();
    for i in 0..120 {
        let mut e = event(Some(tenant), "bulk.event", &format!("n{i}"));
        e.time = at(i);
        store.record_audit(&e).await.unwrap();
    }
    let query = |limit| AuditQuery {
        tenant_id: Some(tenant),
        limit,
        ..AuditQuery::default()
    };
    let default = store.audit_events(&query(0)).await.unwrap();
    assert_eq!(default.len(), 100, "limit 0 means 100");
    assert_eq!(default[0].target, "n119");
    assert_eq!(default[99].target, "n20");
    assert_eq!(store.audit_events(&query(500)).await.unwrap().len(), 120);
    assert_eq!(store.audit_events(&query(7)).await.unwrap().len(), 7);
}

// ── concurrency ───────────────────────────────────────────────────────────────────────

pub async fn concurrent_creates_with_same_upn(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "race").await;
    let upn = format!("Racer@{}", domain.name);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let upn = if i % 2 == 0 {
            upn.clone()
        } else {
            upn.to_lowercase()
        };
        tasks.spawn(async move {
            let user = user_model(tenant.id, &upn);
            store
                .create_user(&user, &event(Some(tenant.id), "user.create", "u"))
                .await
        });
    }
    let mut created = 0;
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(()) => created += 1,
            Err(StoreError::Duplicate { what: "upn" }) => {}
            Err(other) => panic!("expected Ok or Duplicate upn, got {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(store.users(tenant.id).await.unwrap().len(), 1);
    assert_eq!(
        actions_of(&store, tenant.id).await,
        ["user.create", "tenant.create"]
    );
}

pub async fn concurrent_distinct_creates(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "crowd").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let upn = format!("user{i:02}@{}", domain.name);
        tasks.spawn(async move {
            let user = user_model(tenant.id, &upn);
            store
                .create_user(&user, &event(Some(tenant.id), "user.create", "u"))
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let users = store.users(tenant.id).await.unwrap();
    assert_eq!(users.len(), 50);
    let upns: Vec<String> = users.iter().map(|u| u.upn.clone()).collect();
    let expected: Vec<String> = (0..50)
        .map(|i| format!("user{i:02}@{}", domain.name))
        .collect();
    assert_eq!(upns, expected, "listed by UPN");
    assert_eq!(actions_of(&store, tenant.id).await.len(), 51);
}
