//! Audit events: written with each mutation; query filters, order and limit.

use std::sync::Arc;

use cerulean_directory::{
    Actor, AuditEvent, AuditQuery, AuditResult, ClientId, Domain, DomainKind, FederationSettings,
    Member, Store, TenantId,
};
use serde_json::json;
use uuid::Uuid;

use super::*;

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
