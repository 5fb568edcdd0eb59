//! Who may join and register (all / none / users / groups, transitively), the policy's
//! validation and defaults, and the local administrators of joined devices.

use std::collections::BTreeSet;

use cerulean_directory::*;

use super::rig::{Client, ctx, failure, rig};

fn enumerated(users: Vec<UserId>, groups: Vec<GroupId>) -> DeviceRegistrationMembership {
    DeviceRegistrationMembership::Enumerated { users, groups }
}

#[tokio::test]
async fn join_and_register_follow_all_none_and_enumerated_memberships() {
    let rig = rig().await;
    let (ann, ben, cat) = (
        rig.user("ann").await,
        rig.user("ben").await,
        rig.user("cat").await,
    );
    // cat is in "Engineering", which is in "Joiners": a transitive member.
    let joiners = rig.group("Joiners").await;
    let engineering = rig.group("Engineering").await;
    rig.d
        .add_member(
            &ctx(),
            rig.tenant,
            joiners.id,
            Member::Group(engineering.id),
        )
        .await
        .unwrap();
    rig.d
        .add_member(&ctx(), rig.tenant, engineering.id, Member::User(cat.id))
        .await
        .unwrap();

    let mut policy = DeviceRegistrationPolicy::default();
    policy.azure_ad_join.allowed_to_join = enumerated(vec![ann.id], vec![joiners.id]);
    policy.azure_ad_registration.allowed_to_register = DeviceRegistrationMembership::None;
    rig.set_policy(policy).await;

    assert!(rig.join(&Client::new(), &ann).await.is_ok());
    assert!(rig.join(&Client::new(), &cat).await.is_ok());
    let refusal = rig.join(&Client::new(), &ben).await.unwrap_err();
    assert_eq!(refusal, DeviceRefusal::NotAllowedToJoin);
    assert!(refusal.message().contains("join devices"), "{refusal}");
    for user in [&ann, &ben, &cat] {
        let client = Client::new();
        let request = client.request(rig.tenant, user, TrustType::Workplace);
        assert_eq!(
            rig.register(&client, request).await.unwrap_err(),
            DeviceRefusal::NotAllowedToRegister
        );
    }
    assert_eq!(
        rig.count("device.join", &failure("not_allowed_to_join"))
            .await,
        1
    );
    assert_eq!(
        rig.count("device.register", &failure("not_allowed_to_register"))
            .await,
        3
    );

    // Leaving the nested group takes the right away.
    rig.d
        .remove_member(&ctx(), rig.tenant, engineering.id, Member::User(cat.id))
        .await
        .unwrap();
    assert_eq!(
        rig.join(&Client::new(), &cat).await.unwrap_err(),
        DeviceRefusal::NotAllowedToJoin
    );

    // None for join, all for register.
    let mut policy = DeviceRegistrationPolicy::default();
    policy.azure_ad_join.allowed_to_join = DeviceRegistrationMembership::None;
    rig.set_policy(policy).await;
    assert_eq!(
        rig.join(&Client::new(), &ann).await.unwrap_err(),
        DeviceRefusal::NotAllowedToJoin
    );
    let client = Client::new();
    let request = client.request(rig.tenant, &ben, TrustType::Workplace);
    assert!(rig.register(&client, request).await.is_ok());
}

#[tokio::test]
async fn the_policy_has_defaults_and_is_validated_and_audited() {
    let rig = rig().await;
    let ann = rig.user("ann").await;
    let group = rig.group("Admins").await;
    assert_eq!(
        rig.d.device_registration_policy(rig.tenant).await.unwrap(),
        DeviceRegistrationPolicy::default()
    );
    let mut policy = DeviceRegistrationPolicy {
        user_device_quota: 0,
        ..DeviceRegistrationPolicy::default()
    };
    policy.azure_ad_join.local_admins.registering_users =
        enumerated(vec![ann.id, ann.id], vec![group.id, group.id]);
    let stored = rig
        .d
        .put_device_registration_policy(&ctx(), rig.tenant, policy)
        .await
        .unwrap();
    assert_eq!(
        stored.azure_ad_join.local_admins.registering_users,
        enumerated(vec![ann.id], vec![group.id]),
        "lists are de-duplicated"
    );
    assert_eq!(
        rig.d.device_registration_policy(rig.tenant).await.unwrap(),
        stored
    );
    // Quota 0: nobody gets a new device.
    assert_eq!(
        rig.join(&Client::new(), &ann).await.unwrap_err(),
        DeviceRefusal::QuotaExceeded { quota: 0 }
    );

    let invalid = |policy: DeviceRegistrationPolicy| {
        let d = rig.d.clone();
        let tenant = rig.tenant;
        async move {
            match d
                .put_device_registration_policy(&ctx(), tenant, policy)
                .await
            {
                Err(DirectoryError::Invalid { field, .. }) => field,
                other => panic!("expected Invalid, got {other:?}"),
            }
        }
    };
    let mut ghost_user = DeviceRegistrationPolicy::default();
    ghost_user.azure_ad_join.allowed_to_join = enumerated(vec![UserId::random()], vec![]);
    assert_eq!(invalid(ghost_user).await, "azureADJoin.allowedToJoin");
    let mut ghost_group = DeviceRegistrationPolicy::default();
    ghost_group.azure_ad_registration.allowed_to_register =
        enumerated(vec![], vec![GroupId::random()]);
    assert_eq!(
        invalid(ghost_group).await,
        "azureADRegistration.allowedToRegister"
    );
    let too_many = DeviceRegistrationPolicy {
        user_device_quota: u32::MAX,
        ..DeviceRegistrationPolicy::default()
    };
    assert_eq!(invalid(too_many).await, "userDeviceQuota");
    let future = DeviceRegistrationPolicy {
        multi_factor_auth_configuration: MultiFactorAuthConfiguration::UnknownFutureValue,
        ..DeviceRegistrationPolicy::default()
    };
    assert_eq!(invalid(future).await, "multiFactorAuthConfiguration");
    // A user of another tenant does not count as existing here.
    let other = rig
        .d
        .create_tenant(&ctx(), "Fabrikam", "fabrikam.test")
        .await
        .unwrap();
    let stranger = rig
        .d
        .create_user(
            &ctx(),
            NewUser {
                upn: "zed@fabrikam.test".into(),
                display_name: "Zed".into(),
                password: None,
                roles: BTreeSet::new(),
                enabled: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(stranger.tenant_id, other.id);
    let mut foreign = DeviceRegistrationPolicy::default();
    foreign.azure_ad_join.allowed_to_join = enumerated(vec![stranger.id], vec![]);
    assert_eq!(invalid(foreign).await, "azureADJoin.allowedToJoin");

    assert_eq!(
        rig.count("policy.deviceRegistration.update", &AuditResult::Success)
            .await,
        1
    );
}

#[tokio::test]
async fn local_administrators_follow_the_policy() {
    let rig = rig().await;
    let ann = rig.user("ann").await;
    let ben = rig.user("ben").await;
    let admins = rig.group("Device admins").await;
    rig.d
        .add_member(&ctx(), rig.tenant, admins.id, Member::User(ben.id))
        .await
        .unwrap();
    let ga = Role::GlobalAdministrator.sid();
    let dla = Role::JoinedDeviceLocalAdministrator.sid();
    let (ann_sid, ben_sid) = (sid::entra_sid(&ann.id.0), sid::entra_sid(&ben.id.0));
    assert_eq!(
        rig.d.local_admin_sids(rig.tenant, ann.id).await.unwrap(),
        vec![ga.clone(), dla.clone(), ann_sid.clone()]
    );

    let mut policy = DeviceRegistrationPolicy::default();
    policy.azure_ad_join.local_admins = LocalAdminSettings {
        enable_global_admins: false,
        registering_users: enumerated(vec![], vec![admins.id]),
    };
    rig.set_policy(policy).await;
    assert_eq!(
        rig.d.local_admin_sids(rig.tenant, ann.id).await.unwrap(),
        vec![dla.clone()]
    );
    assert_eq!(
        rig.d.local_admin_sids(rig.tenant, ben.id).await.unwrap(),
        vec![dla.clone(), ben_sid.clone()]
    );
    let joined = rig.join(&Client::new(), &ben).await.unwrap();
    assert_eq!(joined.local_admin_sids, vec![dla.clone(), ben_sid]);

    let mut policy = DeviceRegistrationPolicy::default();
    policy.azure_ad_join.local_admins.registering_users = DeviceRegistrationMembership::None;
    rig.set_policy(policy).await;
    assert_eq!(
        rig.d.local_admin_sids(rig.tenant, ann.id).await.unwrap(),
        vec![ga, dla]
    );
    assert!(matches!(
        rig.d.local_admin_sids(rig.tenant, UserId::random()).await,
        Err(DirectoryError::NotFound { what: "user", .. })
    ));
}
