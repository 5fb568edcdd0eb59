//! `GET /v1.0/devices`: each filter, paging, `$count`, `$select`, and bad queries.

use std::collections::BTreeSet;

use cerulean_crypto::b64::{b64_std_decode, b64_std_encode};
use cerulean_directory::TrustType;
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::support::*;

#[tokio::test]
async fn lists_devices_with_each_filter() {
    let rig = Rig::start().await;
    let (alice, bob) = (rig.fx.alice.clone(), rig.fx.bob.clone());
    let pc = rig
        .register(&alice, TrustType::AzureAd, "ALICE-PC", "Windows")
        .await;
    let phone = rig
        .register(&alice, TrustType::Workplace, "Alice's phone", "iOS")
        .await;
    let laptop = rig
        .register(&bob, TrustType::AzureAd, "BOB-LAPTOP", "Linux")
        .await;
    rig.server
        .directory
        .set_device_enabled(&ops(), rig.tenant(), laptop.device.object_id, false)
        .await
        .unwrap();
    let token = rig.token("admin").await;

    let all = rig.get(&token, "/v1.0/devices").await;
    let page = all.ok();
    assert!(
        page["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#devices"),
        "{page}"
    );
    assert_eq!(page["value"].as_array().unwrap().len(), 3);
    assert!(page.get("@odata.nextLink").is_none());
    assert!(page.get("@odata.count").is_none());

    // The resource, in Graph's property names.
    let shown = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == pc.device.object_id.to_string())
        .unwrap();
    assert_eq!(shown["deviceId"], pc.device.device_id.to_string());
    assert_eq!(shown["displayName"], "ALICE-PC");
    assert_eq!(shown["accountEnabled"], true);
    assert_eq!(shown["operatingSystem"], "Windows");
    assert_eq!(shown["operatingSystemVersion"], "1.0");
    assert_eq!(shown["trustType"], "AzureAd");
    assert_eq!(shown["profileType"], "RegisteredDevice");
    assert_eq!(shown["isManaged"], false);
    assert_eq!(shown["isCompliant"], false);
    assert!(shown["mdmAppId"].is_null());
    assert!(shown["approximateLastSignInDateTime"].is_null());
    let registered = shown["registrationDateTime"].as_str().unwrap();
    assert!(
        registered.len() == 20 && registered.ends_with('Z'),
        "{registered}"
    );
    assert_eq!(shown["createdDateTime"], registered);
    // alternativeSecurityIds: MS-DVRE §2.3.3's certificate binding, UTF-16LE in base64.
    let alt = &shown["alternativeSecurityIds"][0];
    assert_eq!(alt["type"], 2);
    let raw = b64_std_decode(alt["key"].as_str().unwrap()).unwrap();
    let units: Vec<u16> = raw
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let expected = format!(
        "X509:<SHA1-TP-PUBKEY>{}{}",
        pc.device.cert_thumbprint,
        b64_std_encode(&Sha256::digest(&pc.public_key_raw))
    );
    assert_eq!(String::from_utf16(&units).unwrap(), expected);

    let filtered = |filter: &str| {
        let rig = &rig;
        let token = &token;
        let path = format!("/v1.0/devices?$filter={}", enc(filter));
        async move {
            let r = rig.get(token, &path).await;
            let ids: BTreeSet<String> = ids(r.ok()).into_iter().collect();
            ids
        }
    };
    let set = |ds: &[&Registered]| -> BTreeSet<String> {
        ds.iter().map(|d| d.device.object_id.to_string()).collect()
    };
    assert_eq!(
        filtered(&format!("deviceId eq '{}'", phone.device.device_id)).await,
        set(&[&phone])
    );
    assert_eq!(
        filtered("displayName eq 'alice''s PHONE'").await,
        set(&[&phone])
    );
    assert_eq!(
        filtered("trustType eq 'AzureAd'").await,
        set(&[&pc, &laptop])
    );
    assert_eq!(filtered("trustType eq 'Workplace'").await, set(&[&phone]));
    assert_eq!(filtered("trustType eq 'ServerAd'").await, set(&[]));
    assert_eq!(filtered("accountEnabled eq false").await, set(&[&laptop]));
    assert_eq!(
        filtered("accountEnabled eq true").await,
        set(&[&pc, &phone])
    );
    assert_eq!(
        filtered("operatingSystem eq 'linux'").await,
        set(&[&laptop])
    );
    assert_eq!(
        filtered("trustType eq 'AzureAd' and (accountEnabled eq true)").await,
        set(&[&pc])
    );
    assert_eq!(
        filtered("deviceId eq 'not-a-guid' and trustType eq 'AzureAd'").await,
        set(&[])
    );

    // `/beta` is the same API.
    let beta = rig.get(&token, "/beta/devices?$count=true").await;
    assert!(
        beta.ok()["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/beta/$metadata#devices")
    );
    assert_eq!(beta.json["@odata.count"], 3);

    // $select narrows each device.
    let selected = rig
        .get(&token, "/v1.0/devices?$select=id,displayName")
        .await;
    let first = &selected.ok()["value"][0];
    assert_eq!(first.as_object().unwrap().len(), 2, "{first}");
    assert!(
        selected.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#devices(id,displayName)")
    );

    // /devices/$count, as text.
    let count = rig
        .get(
            &token,
            &format!(
                "/v1.0/devices/$count?$filter={}",
                enc("trustType eq 'AzureAd'")
            ),
        )
        .await;
    assert_eq!(count.status, 200, "{}", count.body);
    assert_eq!(count.body, "2");
}

#[tokio::test]
async fn pages_across_three_pages_with_next_link_and_count() {
    let rig = Rig::start().await;
    let mut registered = BTreeSet::new();
    for n in 0..5 {
        let owner = if n % 2 == 0 {
            &rig.fx.alice
        } else {
            &rig.fx.bob
        };
        let d = rig
            .register(owner, TrustType::AzureAd, &format!("PC-{n}"), "Windows")
            .await;
        registered.insert(d.device.object_id.to_string());
    }
    let token = rig.token("admin").await;

    let mut seen = BTreeSet::new();
    let mut url = rig.url("/v1.0/devices?$top=2&$count=true");
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 3, "more than three pages");
        let response = rig.http.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let page: serde_json::Value = response.json().await.unwrap();
        assert_eq!(page["@odata.count"], 5, "{page}");
        for id in ids(&page) {
            assert!(seen.insert(id), "a device appeared twice");
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("{}/v1.0/devices?", rig.server.base_url())),
                    "{next}"
                );
                assert!(
                    next.contains("$top=2") && next.contains("$skiptoken="),
                    "{next}"
                );
                assert_eq!(ids(&page).len(), 2);
                url = next.to_owned();
            }
            None => {
                assert_eq!(ids(&page).len(), 1);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, registered);
}

#[tokio::test]
async fn bad_queries_are_odata_400s() {
    let rig = Rig::start().await;
    let token = rig.token("admin").await;
    let unsupported = [
        "$filter=".to_owned() + &enc("displayName ne 'x'"),
        "$filter=".to_owned() + &enc("startswith(displayName,'A')"),
        "$filter=".to_owned() + &enc("trustType eq 'AzureAd' or trustType eq 'Workplace'"),
        "$filter=".to_owned() + &enc("model eq 'x'"),
        "$filter=".to_owned() + &enc("displayName eq 'unterminated"),
        "$top=0".to_owned(),
        "$top=1000".to_owned(),
        "$top=abc".to_owned(),
        "$orderby=displayName".to_owned(),
        "$count=maybe".to_owned(),
    ];
    for query in &unsupported {
        let r = rig.get(&token, &format!("/v1.0/devices?{query}")).await;
        let message = r.odata_error(400, "Request_UnsupportedQuery");
        assert!(!message.is_empty(), "{query}");
    }
    let message = rig
        .get(&token, "/v1.0/devices?$filter=model%20eq%20'x'")
        .await
        .odata_error(400, "Request_UnsupportedQuery");
    assert!(
        message.contains("model") && message.contains("deviceId"),
        "says what is supported: {message}"
    );
    for query in ["$skiptoken=garbage", "$select=nope", "$top=1&$top=2"] {
        rig.get(&token, &format!("/v1.0/devices?{query}"))
            .await
            .odata_error(400, "Request_BadRequest");
    }

    // The client's request id comes back in the error and the headers.
    let id = "6f1d2c3b-4a59-4e68-9d7c-8b9a0f1e2d3c";
    let r = rig
        .call(
            Method::GET,
            "/v1.0/devices?$top=0",
            Some(&token),
            None,
            &[("client-request-id", id)],
        )
        .await;
    r.odata_error(400, "Request_UnsupportedQuery");
    assert_eq!(r.json["error"]["innerError"]["client-request-id"], id);
    assert_eq!(r.json["error"]["innerError"]["request-id"], id);
    assert_eq!(r.headers["client-request-id"], id);

    // Unknown segments and methods are Graph errors too.
    rig.get(&token, "/v1.0/frobs")
        .await
        .odata_error(400, "BadRequest");
    rig.call(Method::POST, "/v1.0/devices", Some(&token), None, &[])
        .await
        .odata_error(405, "Request_BadRequest");
}
