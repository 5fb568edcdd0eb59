//! Windows Hello for Business key registration.

use cerulean_directory::*;

use super::rig::{Client, amr, ctx, failure, rig};

fn new_key(rig_tenant: TenantId, user: &User, device: &Device, blob: &[u8]) -> NewHelloKey {
    NewHelloKey {
        tenant: rig_tenant,
        user: user.id,
        amr: amr(&["pwd", "ngcmfa"]),
        device_id: device.device_id,
        key_blob: blob.to_vec(),
        public_key_spki: vec![0x30, 0x01, 0x02],
    }
}

#[tokio::test]
async fn keys_need_mfa_an_enabled_device_and_on_registered_devices_the_owner() {
    let rig = rig().await;
    let ann = rig.user("ann").await;
    let ben = rig.user("ben").await;
    let joined = rig.join(&Client::new(), &ann).await.unwrap().device;
    let client = Client::new();
    let registered = rig
        .register(
            &client,
            client.request(rig.tenant, &ann, TrustType::Workplace),
        )
        .await
        .unwrap()
        .device;

    let key = rig
        .d
        .add_hello_key(&ctx(), new_key(rig.tenant, &ann, &joined, b"RSA1-ann"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key.device_id, joined.device_id);
    assert_eq!(key.device, joined.object_id);
    assert_eq!(key.key_hash, device::hello_key_hash(b"RSA1-ann"));
    assert_eq!(key.created_at, rig.clock.now());
    // The same key again is the same registration.
    let again = rig
        .d
        .add_hello_key(&ctx(), new_key(rig.tenant, &ann, &joined, b"RSA1-ann"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, key);
    // Someone else presenting that public key is refused outright.
    assert!(matches!(
        rig.d
            .add_hello_key(&ctx(), new_key(rig.tenant, &ben, &joined, b"RSA1-ann"))
            .await,
        Err(DirectoryError::AlreadyExists {
            what: "hello key",
            ..
        })
    ));
    // Another user of a joined device may provision a key; not on a registered device.
    rig.d
        .add_hello_key(&ctx(), new_key(rig.tenant, &ben, &joined, b"RSA1-ben"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        rig.d
            .add_hello_key(&ctx(), new_key(rig.tenant, &ben, &registered, b"RSA1-x"))
            .await
            .unwrap()
            .unwrap_err(),
        DeviceRefusal::NotDeviceOwner
    );
    // No MFA, unknown device, disabled device.
    let mut weak = new_key(rig.tenant, &ann, &joined, b"RSA1-weak");
    weak.amr = amr(&["pwd"]);
    assert_eq!(
        rig.d
            .add_hello_key(&ctx(), weak)
            .await
            .unwrap()
            .unwrap_err(),
        DeviceRefusal::MfaRequired
    );
    let mut unknown = new_key(rig.tenant, &ann, &joined, b"RSA1-unknown");
    unknown.device_id = DeviceId::random();
    assert_eq!(
        rig.d
            .add_hello_key(&ctx(), unknown)
            .await
            .unwrap()
            .unwrap_err(),
        DeviceRefusal::DeviceNotFound
    );
    rig.d
        .set_device_enabled(&ctx(), rig.tenant, joined.object_id, false)
        .await
        .unwrap();
    assert_eq!(
        rig.d
            .add_hello_key(&ctx(), new_key(rig.tenant, &ann, &joined, b"RSA1-late"))
            .await
            .unwrap()
            .unwrap_err(),
        DeviceRefusal::DeviceDisabled
    );

    assert_eq!(
        rig.d.hello_keys_of_user(rig.tenant, ann.id).await.unwrap(),
        vec![key.clone()]
    );
    assert_eq!(
        rig.d
            .hello_key_by_hash(rig.tenant, &key.key_hash)
            .await
            .unwrap(),
        Some(key)
    );
    assert_eq!(rig.count("device.key.add", &AuditResult::Success).await, 2);
    assert_eq!(
        rig.count("device.key.add", &failure("mfa_required")).await,
        1
    );
    assert_eq!(
        rig.count("device.key.add", &failure("not_device_owner"))
            .await,
        1
    );
}
