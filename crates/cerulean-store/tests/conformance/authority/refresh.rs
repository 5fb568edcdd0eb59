//! Refresh tokens: rotation, reuse detection revoking the family, revocation by family
//! and by user.

use std::sync::Arc;

use cerulean_directory::authority::{RefreshRedemption, RefreshToken};
use cerulean_directory::{Store, TenantId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::{actions_of, assert_duplicate, assert_not_found, at, event};
use super::{auth_context, refresh_model, secret_hash, tenant_and_user};

/// Consumes `token` and expects `Fresh`, returning the token as the store now has it.
async fn expect_fresh(store: &Arc<dyn Store>, token: &RefreshToken, now: OffsetDateTime) {
    let mut used = token.clone();
    used.used_at = Some(now);
    assert_eq!(
        store
            .consume_refresh_token(&token.token_hash, now)
            .await
            .unwrap(),
        RefreshRedemption::Fresh(used)
    );
}

/// Consumes `token` and expects `Reused`, carrying the token as stored before.
async fn expect_reused(
    store: &Arc<dyn Store>,
    token: &RefreshToken,
    now: OffsetDateTime,
    used_at: Option<OffsetDateTime>,
    revoked: bool,
) {
    let mut before = token.clone();
    before.used_at = used_at;
    before.revoked = revoked;
    assert_eq!(
        store
            .consume_refresh_token(&token.token_hash, now)
            .await
            .unwrap(),
        RefreshRedemption::Reused(before)
    );
}

pub async fn refresh_token_rotation_and_reuse(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "rotation").await;
    let auth = auth_context(tenant, user.id);
    let family = Uuid::new_v4();
    let first = refresh_model(&auth, family, 86_400);
    let bystander = refresh_model(&auth, Uuid::new_v4(), 86_400);
    store.insert_refresh_token(&first).await.unwrap();
    store.insert_refresh_token(&bystander).await.unwrap();

    // Rotation: the first use is fresh; its successor joins the family.
    expect_fresh(&store, &first, at(10)).await;
    let second = refresh_model(&auth, family, 86_400);
    store.insert_refresh_token(&second).await.unwrap();

    // The used token again: reuse. It comes back as it was (used, not yet revoked) and
    // the whole family — the successor included — is revoked.
    expect_reused(&store, &first, at(20), Some(at(10)), false).await;
    expect_reused(&store, &second, at(21), None, true).await;
    expect_reused(&store, &first, at(22), Some(at(10)), true).await;

    // Another family of the same user is untouched.
    expect_fresh(&store, &bystander, at(30)).await;
    assert_eq!(
        store
            .consume_refresh_token(&secret_hash(), at(30))
            .await
            .unwrap(),
        RefreshRedemption::NotFound
    );
}

pub async fn refresh_token_expiry_is_the_callers_rule(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "rtexpiry").await;
    let auth = auth_context(tenant, user.id);
    let token = refresh_model(&auth, Uuid::new_v4(), 60);
    store.insert_refresh_token(&token).await.unwrap();
    expect_fresh(&store, &token, at(3_600)).await;

    let mut dup = refresh_model(&auth, Uuid::new_v4(), 60);
    dup.token_hash = token.token_hash.clone();
    assert_duplicate(store.insert_refresh_token(&dup).await, "refresh token");
    let orphan = refresh_model(
        &auth_context(TenantId::random(), UserId::random()),
        Uuid::new_v4(),
        60,
    );
    assert_not_found(store.insert_refresh_token(&orphan).await, "tenant");
}

pub async fn refresh_family_revocation(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "family").await;
    let auth = auth_context(tenant, user.id);
    let family = Uuid::new_v4();
    let a = refresh_model(&auth, family, 86_400);
    let b = refresh_model(&auth, family, 86_400);
    let other = refresh_model(&auth, Uuid::new_v4(), 86_400);
    for t in [&a, &b, &other] {
        store.insert_refresh_token(t).await.unwrap();
    }
    assert_eq!(store.revoke_refresh_family(family).await.unwrap(), 2);
    // Already revoked: nothing more to revoke.
    assert_eq!(store.revoke_refresh_family(family).await.unwrap(), 0);
    assert_eq!(
        store.revoke_refresh_family(Uuid::new_v4()).await.unwrap(),
        0
    );
    // A revoked token that was never used is reuse too.
    expect_reused(&store, &a, at(5), None, true).await;

    // A successor minted into a revoked family (its rotation raced the revocation) is
    // stored revoked.
    let late = refresh_model(&auth, family, 86_400);
    store.insert_refresh_token(&late).await.unwrap();
    expect_reused(&store, &late, at(6), None, true).await;

    expect_fresh(&store, &other, at(7)).await;
}

pub async fn revoke_all_refresh_tokens_of_a_user(store: Arc<dyn Store>) {
    let (tenant, alice) = tenant_and_user(&store, "revokeuser").await;
    let bob = super::super::create_user(&store, tenant, &format!("bob.{}", alice.upn)).await;
    let alice_auth = auth_context(tenant, alice.id);
    let bob_auth = auth_context(tenant, bob.id);
    let family = Uuid::new_v4();
    let alice_tokens = [
        refresh_model(&alice_auth, family, 86_400),
        refresh_model(&alice_auth, family, 86_400),
        refresh_model(&alice_auth, Uuid::new_v4(), 86_400),
    ];
    let bobs = refresh_model(&bob_auth, Uuid::new_v4(), 86_400);
    for t in alice_tokens.iter().chain([&bobs]) {
        store.insert_refresh_token(t).await.unwrap();
    }
    let ev = event(Some(tenant), "user.revokeSignInSessions", "alice");
    assert_eq!(
        store
            .revoke_user_refresh_tokens(tenant, alice.id, &ev)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        actions_of(&store, tenant).await.first().map(String::as_str),
        Some("user.revokeSignInSessions")
    );
    for t in &alice_tokens {
        expect_reused(&store, t, at(1), None, true).await;
    }
    expect_fresh(&store, &bobs, at(2)).await;
    // Nothing left to revoke, but the request is still audited.
    let again = event(Some(tenant), "user.revokeSignInSessions", "alice");
    assert_eq!(
        store
            .revoke_user_refresh_tokens(tenant, alice.id, &again)
            .await
            .unwrap(),
        0
    );
    let audited = super::super::audit_of(&store, tenant).await;
    assert!(audited.iter().any(|e| e.id == again.id));
}
