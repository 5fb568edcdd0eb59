//! Tenants and domains: creation (atomic), lookups, duplicates, updates.

use std::sync::Arc;

use cerulean_directory::{
    AuditQuery, Branding, ClientSecret, Domain, DomainKind, FederationProtocol, FederationSettings,
    Store, TenantId,
};
use time::Duration;
use uuid::Uuid;

use super::*;

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
