//! A token bound to a device (`deviceid`) is good only while the device is registered and
//! enabled (`validate_access_token`'s device check).

use cerulean_directory::DeviceId;
use cerulean_server::authority::{TokenError, validate_access_token};
use cerulean_server::drs::auth::DRS_AUDIENCES;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn device_bound_tokens_die_with_their_device() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let joined = rig.join(&token, &DeviceKeys::new()).await;
    let mut bound = claims(&token);
    bound["deviceid"] = json!(joined.device_id().to_string());
    let bound = rig.sign(rig.tenant(), &bound).await;
    let state = &rig.server.state;

    let valid = validate_access_token(state, &bound, DRS_AUDIENCES)
        .await
        .unwrap();
    assert_eq!(valid.device_id, Some(joined.device_id()));

    let directory = &rig.server.directory;
    let device = directory
        .device_by_device_id(rig.tenant(), DeviceId(joined.device_id()))
        .await
        .unwrap()
        .unwrap();
    directory
        .set_device_enabled(&ops(), rig.tenant(), device.object_id, false)
        .await
        .unwrap();
    assert!(matches!(
        validate_access_token(state, &bound, DRS_AUDIENCES).await,
        Err(TokenError::DeviceRejected(m)) if m.contains("disabled")
    ));
    // Over HTTP: the DRS refuses the token.
    let (status, body) = rig
        .post_join(&bound, &join_body(&DeviceKeys::new(), 0, "dev"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["Message"].as_str().unwrap().contains("disabled"),
        "{body}"
    );
    // The user's other tokens are unaffected.
    validate_access_token(state, &token, DRS_AUDIENCES)
        .await
        .unwrap();

    directory
        .delete_device(&ops(), rig.tenant(), device.object_id)
        .await
        .unwrap();
    assert!(matches!(
        validate_access_token(state, &bound, DRS_AUDIENCES).await,
        Err(TokenError::DeviceRejected(m)) if m.contains("not registered")
    ));

    // A made-up device id.
    let mut ghost = claims(&token);
    ghost["deviceid"] = json!(uuid::Uuid::new_v4().to_string());
    let ghost = rig.sign(rig.tenant(), &ghost).await;
    assert!(matches!(
        validate_access_token(state, &ghost, DRS_AUDIENCES).await,
        Err(TokenError::DeviceRejected(_))
    ));
}
