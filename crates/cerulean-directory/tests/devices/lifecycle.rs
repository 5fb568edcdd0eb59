//! After registration: enabling, editing (by administrators and by the device itself),
//! sign-in times, stale devices and deletion — each audited.

use cerulean_directory::*;
use time::Duration;

use super::rig::{Client, ctx, rig};

#[tokio::test]
async fn enable_disable_and_edits_are_audited_and_versioned() {
    let rig = rig().await;
    let ann = rig.user("ann").await;
    let device = rig.join(&Client::new(), &ann).await.unwrap().device;
    let id = device.object_id;

    let disabled = rig
        .d
        .set_device_enabled(&ctx(), rig.tenant, id, false)
        .await
        .unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.version, 2);
    // Already disabled: nothing written.
    let same = rig
        .d
        .set_device_enabled(&ctx(), rig.tenant, id, false)
        .await
        .unwrap();
    assert_eq!(same.version, 2);
    // A disabled device cannot edit itself; an administrator can edit it.
    let update = DeviceUpdate {
        display_name: Some("Renamed".into()),
        ..DeviceUpdate::default()
    };
    let device_ctx = ActionContext::new(Actor::Device(device.device_id.to_string()));
    assert!(matches!(
        rig.d
            .update_device_self(&device_ctx, &device, update.clone())
            .await,
        Err(DirectoryError::Forbidden(_))
    ));
    let renamed = rig
        .d
        .update_device(&ctx(), rig.tenant, id, update)
        .await
        .unwrap();
    assert_eq!(renamed.display_name, "Renamed");
    rig.d
        .set_device_enabled(&ctx(), rig.tenant, id, true)
        .await
        .unwrap();

    // The device reports a new OS version; a stale copy of it is no obstacle.
    let updated = rig
        .d
        .update_device_self(
            &device_ctx,
            &device,
            DeviceUpdate {
                operating_system_version: Some(" 10.0.26100.2314 ".into()),
                ..DeviceUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.operating_system_version, "10.0.26100.2314");
    assert_eq!(updated.display_name, "Renamed");
    assert_eq!(updated.version, 5);
    // Nothing to change writes nothing.
    let unchanged = rig
        .d
        .update_device(&ctx(), rig.tenant, id, DeviceUpdate::default())
        .await
        .unwrap();
    assert_eq!(unchanged.version, 5);
    assert!(matches!(
        rig.d
            .update_device(
                &ctx(),
                rig.tenant,
                id,
                DeviceUpdate {
                    operating_system: Some(String::new()),
                    ..DeviceUpdate::default()
                }
            )
            .await,
        Err(DirectoryError::Invalid { .. })
    ));

    let ok = AuditResult::Success;
    assert_eq!(rig.count("device.disable", &ok).await, 1);
    assert_eq!(rig.count("device.enable", &ok).await, 1);
    assert_eq!(rig.count("device.update", &ok).await, 2);
    let events = rig
        .d
        .store()
        .audit_events(&AuditQuery {
            tenant_id: Some(rig.tenant),
            action_prefix: Some("device.update".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(events[0].actor, Actor::Device(device.device_id.to_string()));
    assert_eq!(events[0].target, format!("device:{id}"));
    assert_eq!(
        events[0].details["operatingSystemVersion"],
        "10.0.26100.2314"
    );
}

#[tokio::test]
async fn deletion_is_audited_and_final() {
    let rig = rig().await;
    let ann = rig.user("ann").await;
    let device = rig.join(&Client::new(), &ann).await.unwrap().device;
    // Devices can be group members once they exist.
    let group = rig.group("Kiosks").await;
    let member = Member::Device(device.object_id.0);
    assert!(
        rig.d
            .add_member(&ctx(), rig.tenant, group.id, member)
            .await
            .unwrap()
    );
    assert!(matches!(
        rig.d
            .add_member(
                &ctx(),
                rig.tenant,
                group.id,
                Member::Device(uuid::Uuid::new_v4())
            )
            .await,
        Err(DirectoryError::NotFound { what: "device", .. })
    ));
    let deleted = rig
        .d
        .delete_device(&ctx(), rig.tenant, device.object_id)
        .await
        .unwrap();
    assert_eq!(deleted, device);
    assert!(matches!(
        rig.d.device(rig.tenant, device.object_id).await,
        Err(DirectoryError::NotFound { what: "device", .. })
    ));
    assert!(matches!(
        rig.d
            .delete_device(&ctx(), rig.tenant, device.object_id)
            .await,
        Err(DirectoryError::NotFound { what: "device", .. })
    ));
    assert_eq!(
        rig.d
            .device_by_thumbprint(&device.cert_thumbprint)
            .await
            .unwrap(),
        None
    );
    assert!(
        rig.d
            .group_members(rig.tenant, group.id)
            .await
            .unwrap()
            .is_empty(),
        "deleting a device ends its group memberships"
    );
    assert_eq!(rig.count("device.delete", &AuditResult::Success).await, 1);
}

#[tokio::test]
async fn sign_ins_are_recorded_coarsely_and_drive_staleness() {
    let rig = rig().await;
    let ann = rig.user("ann").await;
    let old = rig.join(&Client::new(), &ann).await.unwrap().device;
    rig.clock.advance(Duration::days(100));
    let active = rig.join(&Client::new(), &ann).await.unwrap().device;
    let signed_in_at = rig.clock.now();
    rig.d.record_device_sign_in(&active).await.unwrap();
    rig.clock.advance(Duration::minutes(30));
    rig.d.record_device_sign_in(&active).await.unwrap();
    let stored = rig.d.device(rig.tenant, active.object_id).await.unwrap();
    assert_eq!(stored.approximate_last_sign_in, Some(signed_in_at));
    assert_eq!(stored.version, active.version);

    rig.clock.advance(Duration::days(60));
    let stale = rig
        .d
        .stale_devices(rig.tenant, Duration::days(90), None)
        .await
        .unwrap();
    assert_eq!(stale.devices, vec![old.clone()]);
    let stale = rig
        .d
        .stale_devices(rig.tenant, Duration::days(30), None)
        .await
        .unwrap();
    assert_eq!(stale.devices.len(), 2);
    // An old device that signs in is no longer stale.
    rig.d.record_device_sign_in(&old).await.unwrap();
    assert!(
        rig.d
            .stale_devices(rig.tenant, Duration::days(59), None)
            .await
            .unwrap()
            .devices
            .iter()
            .all(|d| d.object_id != old.object_id)
    );
}

#[tokio::test]
async fn listing_goes_through_the_directory() {
    let rig = rig().await;
    let ann = rig.user("ann").await;
    for _ in 0..3 {
        rig.join(&Client::new(), &ann).await.unwrap();
    }
    let page = rig
        .d
        .list_devices(
            rig.tenant,
            &DeviceQuery {
                top: 2,
                with_count: true,
                owner: Some(ann.id),
                ..DeviceQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page.devices.len(), page.count), (2, Some(3)));
    assert!(page.next.is_some());
}
