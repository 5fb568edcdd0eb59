//! Graph-style listing: filters, keyset pages and counts.

use std::sync::Arc;

use cerulean_directory::{Device, DeviceObjectId, DeviceQuery, Store, TrustType};

use super::super::authority::tenant_and_user;
use super::super::{at, create_user, event, unique};
use super::{create_device, device_model};

pub async fn device_listing_filters_pages_and_counts(store: Arc<dyn Store>) {
    let (tenant, alice) = tenant_and_user(&store, "devlist").await;
    let bob = create_user(&store, tenant, &format!("{}@b.test", unique("bob"))).await;
    let mut all: Vec<Device> = Vec::new();
    for i in 0..25 {
        let owner = if i % 5 == 0 { &bob } else { &alice };
        let mut d = device_model(tenant, Some(owner.id), &format!("PC-{i:02}"));
        if i % 3 == 0 {
            d.trust_type = TrustType::Workplace;
            d.operating_system = "Linux".into();
        }
        d.registered_at = at(i * 100);
        create_device(&store, &d).await;
        all.push(d);
    }
    // Disable two; give one a recent sign-in.
    for d in &mut all[1..3] {
        d.enabled = false;
        d.version += 1;
        store
            .update_device(d, &event(Some(tenant), "device.disable", "d"))
            .await
            .unwrap();
    }
    store
        .record_device_sign_in(tenant, all[0].object_id, at(10_000), at(0))
        .await
        .unwrap();
    all[0].approximate_last_sign_in = Some(at(10_000));
    // Another tenant's devices never show.
    let (other, carol) = tenant_and_user(&store, "devlist2").await;
    create_device(&store, &device_model(other, Some(carol.id), "PC-00")).await;
    all.sort_by_key(|d| d.object_id);

    // Pages of 10 in object-id order, each with the total count.
    let mut seen: Vec<Device> = Vec::new();
    let mut after: Option<DeviceObjectId> = None;
    let mut pages = 0;
    loop {
        let query = DeviceQuery {
            top: 10,
            after,
            with_count: true,
            ..DeviceQuery::default()
        };
        let page = store.list_devices(tenant, &query).await.unwrap();
        assert_eq!(page.count, Some(25));
        pages += 1;
        seen.extend(page.devices);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);
    let whole = store
        .list_devices(tenant, &DeviceQuery::default())
        .await
        .unwrap();
    assert_eq!(
        (whole.devices.len(), whole.next, whole.count),
        (25, None, None)
    );
    // Exactly a page: no next.
    let exact = DeviceQuery {
        top: 25,
        ..DeviceQuery::default()
    };
    assert_eq!(store.list_devices(tenant, &exact).await.unwrap().next, None);

    let names = |devices: &[Device]| {
        let mut n: Vec<String> = devices.iter().map(|d| d.display_name.clone()).collect();
        n.sort();
        n
    };
    let find = |query: DeviceQuery| {
        let store = store.clone();
        async move {
            let page = store
                .list_devices(
                    tenant,
                    &DeviceQuery {
                        with_count: true,
                        ..query
                    },
                )
                .await
                .unwrap();
            assert_eq!(page.count, Some(page.devices.len() as u64));
            names(&page.devices)
        }
    };
    let target = all.iter().find(|d| d.display_name == "PC-07").unwrap();
    assert_eq!(
        find(DeviceQuery {
            device_id: Some(target.device_id),
            ..DeviceQuery::default()
        })
        .await,
        vec!["PC-07"]
    );
    assert_eq!(
        find(DeviceQuery {
            display_name: Some("pc-07".into()),
            ..DeviceQuery::default()
        })
        .await,
        vec!["PC-07"]
    );
    let workplace = find(DeviceQuery {
        trust_type: Some(TrustType::Workplace),
        ..DeviceQuery::default()
    })
    .await;
    assert_eq!(workplace.len(), 9);
    let linux = find(DeviceQuery {
        operating_system: Some("LINUX".into()),
        ..DeviceQuery::default()
    })
    .await;
    assert_eq!(linux, workplace);
    assert_eq!(
        find(DeviceQuery {
            enabled: Some(false),
            ..DeviceQuery::default()
        })
        .await,
        vec!["PC-01", "PC-02"]
    );
    assert_eq!(
        find(DeviceQuery {
            owner: Some(bob.id),
            ..DeviceQuery::default()
        })
        .await,
        vec!["PC-00", "PC-05", "PC-10", "PC-15", "PC-20"]
    );
    // Last activity: registration time, or the sign-in when there is one (PC-00).
    assert_eq!(
        find(DeviceQuery {
            last_activity_before: Some(at(250)),
            ..DeviceQuery::default()
        })
        .await,
        vec!["PC-01", "PC-02"]
    );
    // Filters combine.
    assert_eq!(
        find(DeviceQuery {
            owner: Some(bob.id),
            trust_type: Some(TrustType::Workplace),
            ..DeviceQuery::default()
        })
        .await,
        vec!["PC-00", "PC-15"]
    );
    assert!(
        find(DeviceQuery {
            display_name: Some("nope".into()),
            ..DeviceQuery::default()
        })
        .await
        .is_empty()
    );
}
