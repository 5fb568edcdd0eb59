//! The DRS nonce: issued over HTTP, verified by any node (the key is shared through the
//! store), refused when expired or tampered with.

use cerulean_server::nonce::{NonceError, NonceService};
use reqwest::StatusCode;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::support::*;

#[tokio::test]
async fn nonces_issue_verify_expire_and_resist_tampering() {
    let rig = Rig::start().await;
    let tid = rig.tenant();
    let mut values = Vec::new();
    for segment in [tid.to_string(), "contoso.test".to_owned()] {
        let response = rig
            .http
            .get(rig.url(&format!(
                "/EnrollmentServer/nonce/{segment}/?api-version=1.0"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert!(body["ReponseStatus"]["traceId"].is_string(), "{body}");
        values.push(body["Value"].as_str().unwrap().to_owned());
    }
    assert_ne!(values[0], values[1]);
    let now = OffsetDateTime::now_utc();
    let nonce = &values[0];

    // This node, and another node on the same store (its own service, same shared key).
    let other_node = NonceService::new(rig.server.directory.clone());
    for service in [rig.server.state.nonces.as_ref(), &other_node] {
        assert_eq!(service.verify(nonce, now).await, Ok(()));
        assert_eq!(
            service.verify(nonce, now + Duration::minutes(4)).await,
            Ok(())
        );
        assert_eq!(
            service.verify(nonce, now + Duration::minutes(6)).await,
            Err(NonceError::Expired)
        );
    }
    // Issued by the other node, verified here.
    let theirs = other_node.issue().await.unwrap();
    assert_eq!(rig.server.state.nonces.verify(&theirs, now).await, Ok(()));

    // Tampered: one character changed anywhere.
    let mut chars: Vec<char> = nonce.chars().collect();
    for at in [0, 5, 20, chars.len() - 2] {
        let original = chars[at];
        chars[at] = if original == 'A' { 'B' } else { 'A' };
        let forged: String = chars.iter().collect();
        assert!(
            matches!(
                rig.server.state.nonces.verify(&forged, now).await,
                Err(NonceError::BadSignature | NonceError::Malformed)
            ),
            "{forged}"
        );
        chars[at] = original;
    }

    // Unknown tenant, missing version.
    for (path, status) in [
        (
            "/EnrollmentServer/nonce/nowhere.test/?api-version=1.0",
            StatusCode::NOT_FOUND,
        ),
        (
            &format!("/EnrollmentServer/nonce/{tid}/")[..],
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let response = rig.http.get(rig.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        error_type(&body);
    }
}
