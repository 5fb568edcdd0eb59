//! Signing-key creation, rotation with overlap, and convergence of two nodes, on the
//! manual clock.

use cerulean_server::authority::Lifetimes;
use cerulean_server::authority::keys::KeyRing;
use cerulean_server::authority::validate_access_token;
use time::Duration;

use cerulean_directory::Clock as _;

use crate::support::*;

fn kids(keys: &[std::sync::Arc<cerulean_server::authority::keys::LoadedKey>]) -> Vec<String> {
    keys.iter().map(|k| k.kid.clone()).collect()
}

#[tokio::test]
async fn rotation_publishes_ahead_and_keeps_old_keys_until_their_tokens_expire() {
    let env = Env::new().await;
    let ring = &env.state.authority.keys;
    let dir = &env.directory;
    let tid = env.tenant.id;
    let rotation = env.state.authority.lifetimes.key_rotation;
    assert_eq!(rotation, Duration::days(30));

    let k1 = ring.signing_key(dir, tid).await.unwrap();
    assert!(k1.activates_at <= env.clock.now());
    assert_eq!(k1.retires_at - k1.activates_at, rotation);
    // Published until every token it may sign has expired: 1 h plus 5 min of skew.
    assert_eq!(k1.expires_at - k1.retires_at, Duration::minutes(65));
    assert_eq!(
        kids(&ring.published(dir, tid).await.unwrap()),
        vec![k1.kid.clone()]
    );

    // Just before the lead time (one day) nothing changes.
    env.clock
        .set(k1.retires_at - Duration::days(1) - Duration::minutes(1));
    assert_eq!(ring.signing_key(dir, tid).await.unwrap().kid, k1.kid);
    assert_eq!(ring.published(dir, tid).await.unwrap().len(), 1);

    // Within the lead time the successor is created and published, not yet used.
    env.clock.advance(Duration::minutes(2));
    assert_eq!(ring.signing_key(dir, tid).await.unwrap().kid, k1.kid);
    let published = ring.published(dir, tid).await.unwrap();
    assert_eq!(published.len(), 2);
    let k2 = published[0].clone();
    assert_ne!(k2.kid, k1.kid);
    assert_eq!(k2.activates_at, k1.retires_at);
    // The JWKS shows both.
    let jwks = env.get("/contoso.test/discovery/keys").await;
    assert_eq!(jwks.json["keys"].as_array().unwrap().len(), 2);

    // A token signed by k1 just before it retires …
    env.clock.set(k1.retires_at - Duration::minutes(1));
    let old = env.ropc_v2("User.Read").await;
    old.assert_ok();
    assert_eq!(jwt_header(&old.str("access_token"))["kid"], k1.kid.as_str());

    // … stays valid after the switch to k2, which now signs.
    env.clock.set(k1.retires_at + Duration::minutes(30));
    let new = env.ropc_v2("User.Read").await;
    assert_eq!(jwt_header(&new.str("access_token"))["kid"], k2.kid.as_str());
    validate_access_token(&env.state, &old.str("access_token"), &[GRAPH])
        .await
        .unwrap();
    assert_eq!(ring.published(dir, tid).await.unwrap().len(), 2);

    // Once k1's last token has expired (plus skew), k1 leaves the JWKS.
    env.clock.set(k1.expires_at + Duration::seconds(1));
    assert_eq!(
        kids(&ring.published(dir, tid).await.unwrap()),
        vec![k2.kid.clone()]
    );
    assert!(
        validate_access_token(&env.state, &old.str("access_token"), &[GRAPH])
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_long_outage_gets_an_immediately_active_key() {
    let env = Env::new().await;
    let ring = &env.state.authority.keys;
    let k1 = ring
        .signing_key(&env.directory, env.tenant.id)
        .await
        .unwrap();
    env.clock.set(k1.retires_at + Duration::days(3));
    let k = ring
        .signing_key(&env.directory, env.tenant.id)
        .await
        .unwrap();
    assert_ne!(k.kid, k1.kid);
    assert!(k.activates_at <= env.clock.now());
}

#[tokio::test]
async fn two_nodes_creating_at_once_converge() {
    let env = Env::new().await;
    let lifetimes = env.state.authority.lifetimes;
    let a = KeyRing::new(&lifetimes);
    let b = KeyRing::new(&Lifetimes { ..lifetimes });
    let (ka, kb) = tokio::join!(
        a.signing_key(&env.directory, env.tenant.id),
        b.signing_key(&env.directory, env.tenant.id)
    );
    let (ka, kb) = (ka.unwrap(), kb.unwrap());
    // Both keys (one or two) are published within seconds; each node verifies the
    // other's tokens at once (a verification miss reloads).
    assert!(
        b.verification_key(&env.directory, env.tenant.id, &ka.kid)
            .await
            .unwrap()
            .is_some()
    );
    env.clock.advance(Duration::seconds(6));
    let published = kids(&a.published(&env.directory, env.tenant.id).await.unwrap());
    assert!(published.contains(&ka.kid) && published.contains(&kb.kid));
    // After one cache period both sign with the same (newest) key.
    env.clock.advance(Duration::seconds(55));
    let ka = a.signing_key(&env.directory, env.tenant.id).await.unwrap();
    let kb = b.signing_key(&env.directory, env.tenant.id).await.unwrap();
    assert_eq!(ka.kid, kb.kid);
}
