//! Joining and registering: the happy path, refusals, quota, retries and ReuseDevice.

use std::sync::Arc;

use cerulean_directory::*;

use super::rig::{Client, amr, ctx, failure, rig};

#[tokio::test]
async fn a_join_creates_a_device_with_a_fresh_id_and_its_certificate() {
    let rig = rig().await;
    let alice = rig.user("alice").await;
    let client = Client::new();
    let joined = rig.join(&client, &alice).await.unwrap();
    let device = &joined.device;
    assert_eq!(joined.kind, RegistrationKind::Created);
    assert_eq!(joined.user.upn, "alice@contoso.test");
    assert_eq!(client.issued(), 1);
    assert_eq!(device.trust_type, TrustType::AzureAd);
    assert_eq!(device.owner_user_id, Some(alice.id));
    assert_eq!(device.tenant_id, rig.tenant);
    assert!(device.enabled);
    assert_eq!(device.display_name, "DESKTOP-1");
    assert_eq!(device.operating_system, "Windows");
    assert_eq!(device.cert_public_key_spki, client.spki());
    assert_eq!(
        device.cert_thumbprint,
        cerulean_crypto::sha1_thumbprint_hex(&device.cert_der)
    );
    assert_eq!(device.registered_at, rig.clock.now());
    assert_eq!(device.mdm, MdmState::default());
    assert_eq!(device.version, 1);
    // Stored as returned, and found by its certificate (thumbprint and key).
    assert_eq!(
        rig.d.device(rig.tenant, device.object_id).await.unwrap(),
        *device
    );
    assert_eq!(
        rig.d.device_by_certificate(&device.cert_der).await.unwrap(),
        Some(device.clone())
    );
    assert_eq!(rig.d.device_by_certificate(b"junk").await.unwrap(), None);
    // Default policy: global admins, device local admins and the user are local admins.
    assert_eq!(
        joined.local_admin_sids,
        vec![
            Role::GlobalAdministrator.sid(),
            Role::JoinedDeviceLocalAdministrator.sid(),
            sid::entra_sid(&alice.id.0),
        ]
    );
    assert_eq!(rig.count("device.join", &AuditResult::Success).await, 1);

    // Another join by the same client key (a new request) is a second device.
    let again = rig
        .register(&client, {
            let mut r = client.request(rig.tenant, &alice, TrustType::AzureAd);
            r.request_fingerprint.push_str("-second");
            r
        })
        .await
        .unwrap();
    assert_ne!(again.device.device_id, device.device_id);
    assert_eq!(again.kind, RegistrationKind::Created);
}

#[tokio::test]
async fn a_registration_is_workplace_and_has_no_local_admins() {
    let rig = rig().await;
    let bob = rig.user("bob").await;
    let client = Client::new();
    let request = client.request(rig.tenant, &bob, TrustType::Workplace);
    let registered = rig.register(&client, request).await.unwrap();
    assert_eq!(registered.device.trust_type, TrustType::Workplace);
    assert!(registered.local_admin_sids.is_empty());
    assert_eq!(rig.count("device.register", &AuditResult::Success).await, 1);
}

#[tokio::test]
async fn unknown_and_disabled_users_are_refused_and_audited() {
    let rig = rig().await;
    let carol = rig.user("carol").await;
    let client = Client::new();
    let mut ghost = carol.clone();
    ghost.id = UserId::random();
    assert_eq!(
        rig.join(&client, &ghost).await.unwrap_err(),
        DeviceRefusal::UserNotFound
    );
    rig.d
        .set_user_enabled(&ctx(), rig.tenant, carol.id, false)
        .await
        .unwrap();
    let refusal = rig.join(&client, &carol).await.unwrap_err();
    assert_eq!(refusal, DeviceRefusal::UserDisabled);
    assert!(refusal.message().contains("disabled"), "{refusal}");
    assert_eq!(client.issued(), 0);
    assert_eq!(
        rig.count("device.join", &failure("user_not_found")).await,
        1
    );
    assert_eq!(rig.count("device.join", &failure("user_disabled")).await, 1);
    assert!(
        rig.d
            .devices_of_user(rig.tenant, carol.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_quota_counts_joined_and_registered_devices() {
    let rig = rig().await;
    let dave = rig.user("dave").await;
    let erin = rig.user("erin").await;
    rig.set_policy(DeviceRegistrationPolicy {
        user_device_quota: 2,
        ..DeviceRegistrationPolicy::default()
    })
    .await;
    rig.join(&Client::new(), &dave).await.unwrap();
    let laptop = Client::new();
    rig.register(
        &laptop,
        laptop.request(rig.tenant, &dave, TrustType::Workplace),
    )
    .await
    .unwrap();
    let third = Client::new();
    let refusal = rig.join(&third, &dave).await.unwrap_err();
    assert_eq!(refusal, DeviceRefusal::QuotaExceeded { quota: 2 });
    assert!(
        refusal.message().contains("limit of 2 devices"),
        "{refusal}"
    );
    // The certificate issued for the refused attempt was thrown away: nothing names it.
    assert_eq!(third.issued(), 1);
    assert_eq!(
        rig.d
            .devices_of_user(rig.tenant, dave.id)
            .await
            .unwrap()
            .len(),
        2
    );
    // Other users are unaffected.
    rig.join(&third, &erin).await.unwrap();
    assert_eq!(
        rig.count("device.join", &failure("quota_exceeded")).await,
        1
    );
    // Deleting a device frees a place.
    let owned = rig.d.devices_of_user(rig.tenant, dave.id).await.unwrap();
    rig.d
        .delete_device(&ctx(), rig.tenant, owned[0].object_id)
        .await
        .unwrap();
    rig.join(&Client::new(), &dave).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_joins_by_one_user_never_exceed_the_quota() {
    let rig = Arc::new(rig().await);
    let frank = rig.user("frank").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (rig, frank) = (rig.clone(), frank.clone());
        tasks.spawn(async move { rig.join(&Client::new(), &frank).await });
    }
    let (mut created, mut refused) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(joined) => {
                assert_eq!(joined.kind, RegistrationKind::Created);
                created += 1;
            }
            Err(DeviceRefusal::QuotaExceeded { quota: 50 }) => refused += 1,
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!((created, refused), (50, 150));
    assert_eq!(
        rig.d
            .devices_of_user(rig.tenant, frank.id)
            .await
            .unwrap()
            .len(),
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_join_returns_the_same_device_even_in_parallel() {
    let rig = Arc::new(rig().await);
    let gina = rig.user("gina").await;
    let client = Arc::new(Client::new());
    let first = rig.join(&client, &gina).await.unwrap();
    let retry = rig.join(&client, &gina).await.unwrap();
    assert_eq!(retry.kind, RegistrationKind::Retried);
    assert_eq!(
        retry.device, first.device,
        "the same device and certificate"
    );
    assert_eq!(
        rig.d
            .device_by_thumbprint(&first.device.cert_thumbprint)
            .await
            .unwrap(),
        Some(first.device.clone())
    );
    assert_eq!(retry.local_admin_sids, first.local_admin_sids);

    // Many identical first attempts at once: one device, the same one for all.
    let twin = Arc::new(Client::new());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (rig, gina, twin) = (rig.clone(), gina.clone(), twin.clone());
        tasks.spawn(async move { rig.join(&twin, &gina).await.unwrap() });
    }
    let mut devices = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        devices.push(joined.unwrap().device);
    }
    assert!(devices.iter().all(|d| *d == devices[0]));
    assert_eq!(
        rig.d
            .devices_of_user(rig.tenant, gina.id)
            .await
            .unwrap()
            .len(),
        2
    );
    // The retry still obeys the policy of the moment.
    rig.d
        .set_user_enabled(&ctx(), rig.tenant, gina.id, false)
        .await
        .unwrap();
    assert_eq!(
        rig.join(&client, &gina).await.unwrap_err(),
        DeviceRefusal::UserDisabled
    );
}

#[tokio::test]
async fn reuse_device_rekeys_the_users_own_device_only() {
    let rig = rig().await;
    let hank = rig.user("hank").await;
    let ivy = rig.user("ivy").await;
    rig.set_policy(DeviceRegistrationPolicy {
        user_device_quota: 1,
        ..DeviceRegistrationPolicy::default()
    })
    .await;
    let old = rig.join(&Client::new(), &hank).await.unwrap().device;
    rig.d.record_device_sign_in(&old).await.unwrap();
    let old = rig.d.device(rig.tenant, old.object_id).await.unwrap();

    // At the quota, a reuse still works: same ids, new keys, old certificate dead.
    let reinstall = Client::new();
    let mut request = reinstall.request(rig.tenant, &hank, TrustType::AzureAd);
    request.reuse_device = Some(old.device_id);
    request.display_name = "DESKTOP-NEW".into();
    let reused = rig.register(&reinstall, request.clone()).await.unwrap();
    assert_eq!(reused.kind, RegistrationKind::Reused);
    let new = &reused.device;
    assert_eq!(
        (new.object_id, new.device_id),
        (old.object_id, old.device_id)
    );
    assert_eq!(new.registered_at, old.registered_at);
    assert_eq!(new.approximate_last_sign_in, old.approximate_last_sign_in);
    assert_ne!(new.cert_thumbprint, old.cert_thumbprint);
    assert_eq!(new.cert_public_key_spki, reinstall.spki());
    assert_eq!(new.display_name, "DESKTOP-NEW");
    assert_eq!(new.version, old.version + 1);
    assert_eq!(rig.d.device(rig.tenant, old.object_id).await.unwrap(), *new);
    assert_eq!(
        rig.d.device_by_certificate(&old.cert_der).await.unwrap(),
        None
    );
    assert_eq!(
        rig.d.device_by_certificate(&new.cert_der).await.unwrap(),
        Some(new.clone())
    );
    // The same reuse request again is a retry.
    let again = rig.register(&reinstall, request).await.unwrap();
    assert_eq!(
        (again.kind, &again.device),
        (RegistrationKind::Retried, new)
    );

    // Someone else's device id is not reused: a new device is created instead.
    let thief = Client::new();
    let mut steal = thief.request(rig.tenant, &ivy, TrustType::AzureAd);
    steal.reuse_device = Some(old.device_id);
    let stolen = rig.register(&thief, steal).await.unwrap();
    assert_eq!(stolen.kind, RegistrationKind::Created);
    assert_ne!(stolen.device.device_id, old.device_id);

    // A disabled device is not brought back by reusing it.
    rig.d
        .set_device_enabled(&ctx(), rig.tenant, old.object_id, false)
        .await
        .unwrap();
    let third = Client::new();
    let mut revive = third.request(rig.tenant, &hank, TrustType::AzureAd);
    revive.reuse_device = Some(old.device_id);
    assert_eq!(
        rig.register(&third, revive).await.unwrap_err(),
        DeviceRefusal::DeviceDisabled
    );
}

#[tokio::test]
async fn bad_requests_and_bad_certificates_write_nothing() {
    let rig = rig().await;
    let jo = rig.user("jo").await;
    let client = Client::new();
    let mut empty_name = client.request(rig.tenant, &jo, TrustType::AzureAd);
    empty_name.display_name = "  ".into();
    let result = rig
        .d
        .register_device(&ctx(), empty_name, |c| client.issue(c))
        .await;
    assert!(
        matches!(result, Err(DirectoryError::Invalid { .. })),
        "{result:?}"
    );
    let mut no_key = client.request(rig.tenant, &jo, TrustType::AzureAd);
    no_key.transport_key_spki.clear();
    let result = rig
        .d
        .register_device(&ctx(), no_key, |c| client.issue(c))
        .await;
    assert!(matches!(
        result,
        Err(DirectoryError::Invalid {
            field: "transport key",
            ..
        })
    ));

    // A callback that certifies another key is a bug, caught before anything is stored.
    let other = Client::new();
    let request = client.request(rig.tenant, &jo, TrustType::AzureAd);
    let result = rig
        .d
        .register_device(&ctx(), request.clone(), |c| {
            other.issue(&CertificateToIssue {
                public_key_spki: &other.spki(),
                ..*c
            })
        })
        .await;
    assert!(
        matches!(result, Err(DirectoryError::Internal(_))),
        "{result:?}"
    );
    // So is a failing CA, reported as it failed.
    let result = rig
        .d
        .register_device(&ctx(), request, |_| {
            Err(DirectoryError::Internal("device CA unavailable".into()))
        })
        .await;
    assert!(matches!(result, Err(DirectoryError::Internal(m)) if m.contains("CA")));
    assert!(
        rig.d
            .devices_of_user(rig.tenant, jo.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn mfa_amr_values_satisfy_a_policy_that_requires_mfa() {
    let rig = rig().await;
    let kim = rig.user("kim").await;
    rig.set_policy(DeviceRegistrationPolicy {
        multi_factor_auth_configuration: MultiFactorAuthConfiguration::Required,
        ..DeviceRegistrationPolicy::default()
    })
    .await;
    for (trust, values, ok) in [
        (TrustType::AzureAd, &["pwd"][..], false),
        (TrustType::Workplace, &["pwd", "rsa"][..], false),
        (TrustType::AzureAd, &["pwd", "mfa"][..], true),
        (TrustType::AzureAd, &["rsa", "ngcmfa"][..], true),
        (TrustType::Workplace, &["pwd", "mfa"][..], true),
    ] {
        let client = Client::new();
        let mut request = client.request(rig.tenant, &kim, trust);
        request.amr = amr(values);
        let result = rig.register(&client, request).await;
        if ok {
            assert!(result.is_ok(), "{values:?}: {result:?}");
        } else {
            assert_eq!(
                result.unwrap_err(),
                DeviceRefusal::MfaRequired,
                "{values:?}"
            );
        }
    }
    assert_eq!(rig.count("device.join", &failure("mfa_required")).await, 1);
    assert_eq!(
        rig.count("device.register", &failure("mfa_required")).await,
        1
    );
}
