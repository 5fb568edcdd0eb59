//! The directory's rules, exercised against the real embedded store (SQLite).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;

use cerulean_crypto::{PasswordParams, SecretString};
use cerulean_directory::*;
use time::{Duration, OffsetDateTime};

struct Rig {
    directory: Directory,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let store = cerulean_store::open_store(&dir.path().join("t.db").display().to_string())
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    // Small argon2 parameters keep the suite fast; the algorithm is the same.
    let params = PasswordParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let directory = Directory::new(store, clock.clone(), params).unwrap();
    Rig {
        directory,
        clock,
        _dir: dir,
    }
}

fn ctx() -> ActionContext {
    ActionContext::new(Actor::Operator("test".into())).with_correlation_id("corr-1")
}

fn new_user(upn: &str, password: Option<&str>) -> NewUser {
    NewUser {
        upn: upn.into(),
        display_name: "Someone".into(),
        password: password.map(|p| SecretString::new(p.into())),
        roles: BTreeSet::new(),
        enabled: true,
    }
}

#[tokio::test]
async fn tenant_creation_seeds_first_party_apps_and_is_audited() {
    let rig = rig().await;
    let d = &rig.directory;
    let tenant = d
        .create_tenant(&ctx(), "Contoso", "Contoso.Test")
        .await
        .unwrap();
    assert_eq!(tenant.initial_domain, "contoso.test");
    let apps = d.applications(tenant.id).await.unwrap();
    assert!(
        apps.iter()
            .any(|a| a.client_id.to_string() == well_known::BROKER_CLIENT)
    );
    assert!(
        apps.iter()
            .any(|a| a.is_identified_by(well_known::DRS_RESOURCE))
    );
    let by_domain = d.resolve_tenant("CONTOSO.test").await.unwrap().unwrap();
    let by_id = d
        .resolve_tenant(&tenant.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_domain.id, tenant.id);
    assert_eq!(by_id.id, tenant.id);
    let events = d
        .store()
        .audit_events(&AuditQuery {
            tenant_id: Some(tenant.id),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "tenant.create");
    assert_eq!(events[0].correlation_id.as_deref(), Some("corr-1"));

    let again = d.create_tenant(&ctx(), "Other", "contoso.test").await;
    assert!(matches!(
        again,
        Err(DirectoryError::AlreadyExists { what: "domain", .. })
    ));
}

#[tokio::test]
async fn users_need_a_verified_domain_and_a_good_password() {
    let rig = rig().await;
    let d = &rig.directory;
    d.create_tenant(&ctx(), "Contoso", "contoso.test")
        .await
        .unwrap();

    let unknown = d
        .create_user(&ctx(), new_user("a@fabrikam.test", Some("long enough pw")))
        .await;
    assert!(matches!(
        unknown,
        Err(DirectoryError::Invalid { field: "upn", .. })
    ));

    let weak = d
        .create_user(&ctx(), new_user("a@contoso.test", Some("short")))
        .await;
    assert!(matches!(weak, Err(DirectoryError::WeakPassword(_))));

    let user = d
        .create_user(
            &ctx(),
            new_user("Alice@contoso.test", Some("correct horse battery")),
        )
        .await
        .unwrap();
    let hash = user.password_hash.clone().unwrap();
    assert!(hash.starts_with("$argon2id$"), "stored as argon2id: {hash}");
    assert!(!hash.contains("correct horse"));
    assert!(
        d.hasher()
            .verify(&SecretString::new("correct horse battery".into()), &hash)
            .unwrap()
    );

    let duplicate = d
        .create_user(
            &ctx(),
            new_user("ALICE@Contoso.test", Some("another good one")),
        )
        .await;
    assert!(matches!(
        duplicate,
        Err(DirectoryError::AlreadyExists { what: "user", .. })
    ));
    let found = d.user_by_upn("alice@CONTOSO.TEST").await.unwrap().unwrap();
    assert_eq!(found.id, user.id);
}

#[tokio::test]
async fn federated_users_have_no_cloud_password() {
    let rig = rig().await;
    let d = &rig.directory;
    let tenant = d
        .create_tenant(&ctx(), "Contoso", "contoso.test")
        .await
        .unwrap();
    let federation = FederationSettings {
        issuer_uri: "http://sts.fabrikam.test/adfs/services/trust".into(),
        passive_sign_in_uri: "https://sts.fabrikam.test/adfs/ls/".into(),
        ..FederationSettings::default()
    };
    d.add_domain(&ctx(), tenant.id, "fabrikam.test", DomainKind::Managed)
        .await
        .unwrap();
    let bad_url = FederationSettings {
        passive_sign_in_uri: "http://insecure.test/".into(),
        ..federation.clone()
    };
    assert!(
        d.set_domain_kind(&ctx(), "fabrikam.test", DomainKind::Federated(bad_url))
            .await
            .is_err()
    );
    let domain = d
        .set_domain_kind(&ctx(), "fabrikam.test", DomainKind::Federated(federation))
        .await
        .unwrap();
    assert_eq!(domain.kind.namespace_type(), "Federated");
    let refused = d
        .create_user(
            &ctx(),
            new_user("carol@fabrikam.test", Some("long enough pw")),
        )
        .await;
    assert!(matches!(
        refused,
        Err(DirectoryError::Invalid {
            field: "password",
            ..
        })
    ));
    let carol = d
        .create_user(&ctx(), new_user("carol@fabrikam.test", None))
        .await
        .unwrap();
    assert!(carol.password_hash.is_none());
}

#[tokio::test]
async fn disabling_and_password_reset_are_versioned_and_audited() {
    let rig = rig().await;
    let d = &rig.directory;
    d.create_tenant(&ctx(), "Contoso", "contoso.test")
        .await
        .unwrap();
    let user = d
        .create_user(&ctx(), new_user("bob@contoso.test", Some("first password")))
        .await
        .unwrap();
    let disabled = d
        .set_user_enabled(&ctx(), user.tenant_id, user.id, false)
        .await
        .unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.version, user.version + 1);
    // Disabling twice changes nothing and writes nothing.
    let again = d
        .set_user_enabled(&ctx(), user.tenant_id, user.id, false)
        .await
        .unwrap();
    assert_eq!(again.version, disabled.version);

    rig.clock.advance(Duration::minutes(5));
    let reset = d
        .set_password(
            &ctx(),
            user.tenant_id,
            user.id,
            &SecretString::new("second password".into()),
        )
        .await
        .unwrap();
    assert!(reset.password_changed_at > user.password_changed_at);

    let actions: Vec<String> = d
        .store()
        .audit_events(&AuditQuery {
            tenant_id: Some(user.tenant_id),
            action_prefix: Some("user.".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        vec!["user.password.set", "user.disable", "user.create"]
    );
}

#[tokio::test]
async fn groups_refuse_self_membership_and_resolve_nesting() {
    let rig = rig().await;
    let d = &rig.directory;
    let tenant = d
        .create_tenant(&ctx(), "Contoso", "contoso.test")
        .await
        .unwrap();
    let user = d
        .create_user(
            &ctx(),
            new_user("dave@contoso.test", Some("long enough pw")),
        )
        .await
        .unwrap();
    let inner = d
        .create_group(&ctx(), tenant.id, "Engineers", None)
        .await
        .unwrap();
    let outer = d
        .create_group(&ctx(), tenant.id, "Staff", None)
        .await
        .unwrap();
    assert!(
        d.add_member(&ctx(), tenant.id, inner.id, Member::User(user.id))
            .await
            .unwrap()
    );
    assert!(
        !d.add_member(&ctx(), tenant.id, inner.id, Member::User(user.id))
            .await
            .unwrap()
    );
    assert!(
        d.add_member(&ctx(), tenant.id, outer.id, Member::Group(inner.id))
            .await
            .unwrap()
    );
    assert!(
        d.add_member(&ctx(), tenant.id, outer.id, Member::Group(outer.id))
            .await
            .is_err()
    );
    let mut groups = d
        .transitive_member_of(tenant.id, Member::User(user.id))
        .await
        .unwrap();
    groups.sort();
    let mut expected = vec![inner.id, outer.id];
    expected.sort();
    assert_eq!(groups, expected);
    assert_eq!(d.find_group(tenant.id, "staff").await.unwrap().id, outer.id);
}

#[tokio::test]
async fn client_secrets_verify_and_expire() {
    let rig = rig().await;
    let d = &rig.directory;
    let tenant = d
        .create_tenant(&ctx(), "Contoso", "contoso.test")
        .await
        .unwrap();
    let public = d
        .create_application(
            &ctx(),
            tenant.id,
            NewApplication {
                display_name: "Native".into(),
                public_client: true,
                redirect_uris: vec!["http://localhost".into()],
                identifier_uris: vec![],
            },
        )
        .await
        .unwrap();
    assert!(
        d.add_client_secret(&ctx(), tenant.id, public.client_id, "s", None)
            .await
            .is_err()
    );
    let bad_redirect = d
        .create_application(
            &ctx(),
            tenant.id,
            NewApplication {
                display_name: "Web".into(),
                public_client: false,
                redirect_uris: vec!["http://evil.test/cb".into()],
                identifier_uris: vec![],
            },
        )
        .await;
    assert!(bad_redirect.is_err());
    let web = d
        .create_application(
            &ctx(),
            tenant.id,
            NewApplication {
                display_name: "Web".into(),
                public_client: false,
                redirect_uris: vec!["https://app.test/cb".into()],
                identifier_uris: vec![],
            },
        )
        .await
        .unwrap();
    let created = d
        .add_client_secret(
            &ctx(),
            tenant.id,
            web.client_id,
            "ci",
            Some(Duration::days(1)),
        )
        .await
        .unwrap();
    let app = d
        .application(tenant.id, web.client_id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        d.verify_client_secret(&app, &created.plaintext)
            .await
            .unwrap()
    );
    assert!(
        !d.verify_client_secret(&app, &SecretString::new("wrong".into()))
            .await
            .unwrap()
    );
    rig.clock.advance(Duration::days(2));
    assert!(
        !d.verify_client_secret(&app, &created.plaintext)
            .await
            .unwrap(),
        "an expired secret no longer works"
    );
}
