//! Groups and direct membership.

use std::sync::Arc;

use cerulean_directory::{GroupId, Member, Store, StoreError};
use uuid::Uuid;

use super::*;

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
