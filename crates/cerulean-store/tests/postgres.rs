//! The conformance suite on PostgreSQL, when `CERULEAN_TEST_DATABASE_URL` names a server
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`). Each test works in a fresh schema
//! of that database (`cerulean_test_<random>`, via `search_path`) and drops it at the end.
//! Without the variable, the tests print that they did not run and pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod conformance;

use std::sync::Arc;

use cerulean_directory::{Store, StoreError};
use cerulean_store::{PostgresStore, open_store};
use conformance::TestStore;
use sqlx::{Connection, PgConnection};

const VAR: &str = "CERULEAN_TEST_DATABASE_URL";

fn database_url() -> Option<String> {
    match std::env::var(VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("{VAR} is not set: PostgreSQL conformance NOT run");
            None
        }
    }
}

/// A fresh schema in the test database, and a URL whose connections use it.
struct Schema {
    admin_url: String,
    name: String,
    url: String,
}

impl Schema {
    async fn create(admin_url: &str) -> Schema {
        let name = format!("cerulean_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(admin_url).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{name}");
        Schema {
            admin_url: admin_url.to_string(),
            name,
            url,
        }
    }

    async fn drop_schema(self) {
        let mut conn = PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
}

async fn postgres() -> Option<TestStore> {
    let schema = Schema::create(&database_url()?).await;
    // Small pools: CI runs many of these tests at once against one server.
    let store = PostgresStore::connect_with_pool_size(&schema.url, 4)
        .await
        .unwrap();
    Some(TestStore {
        store: Arc::new(store.clone()),
        cleanup: Box::pin(async move {
            store.close().await;
            schema.drop_schema().await;
        }),
    })
}

mod postgres_conformance_requires_database_url {
    crate::conformance::conformance_tests!(super::postgres);
}

#[tokio::test]
async fn postgres_nodes_starting_together_migrate_once_requires_database_url() {
    let Some(url) = database_url() else { return };
    let schema = Schema::create(&url).await;
    let mut starts = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let url = schema.url.clone();
        starts.spawn(async move { open_store(&url).await.map(|s| s.backend()) });
    }
    while let Some(started) = starts.join_next().await {
        assert_eq!(started.unwrap().unwrap(), "postgres");
    }
    let mut conn = PgConnection::connect(&schema.url).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    // Every migration applied once, in order.
    let latest = cerulean_store::schema_version("postgres").unwrap();
    assert_eq!(versions, (1..=latest).collect::<Vec<i64>>());

    // A schema from the future is refused, with a message that says what to do.
    sqlx::query(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let known = cerulean_store::schema_version("postgres").unwrap();
    match PostgresStore::connect(&schema.url).await {
        Err(StoreError::Backend(msg)) => assert_eq!(
            msg,
            format!(
                "database schema version 999 is newer than this cerulean ({known}); upgrade cerulean"
            )
        ),
        other => panic!("expected Backend, got {other:?}"),
    }
    schema.drop_schema().await;
}

#[tokio::test]
async fn postgres_store_survives_reconnect_requires_database_url() {
    let Some(url) = database_url() else { return };
    let schema = Schema::create(&url).await;
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&schema.url).await.unwrap());
    let (tenant, _) = conformance::create_tenant(&store, "durable").await;
    drop(store);
    let again = open_store(&schema.url).await.unwrap();
    assert_eq!(again.tenant(tenant.id).await.unwrap(), Some(tenant));
    schema.drop_schema().await;
}

/// Runs without a database: nothing listens on port 1.
#[tokio::test]
async fn unreachable_postgres_is_unavailable_and_never_shows_the_password() {
    let url = "postgres://cerulean:hunter2-s3cret@127.0.0.1:1/cerulean";
    match open_store(url).await {
        Err(StoreError::Unavailable(msg)) => {
            assert!(!msg.contains("hunter2"), "{msg}");
            assert!(msg.contains("127.0.0.1:1"), "{msg}");
            assert!(msg.contains("is it running and is the URL right?"), "{msg}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    match open_store("postgres://cerulean:hunter2-s3cret@127.0.0.1:notaport/x").await {
        Err(StoreError::Backend(msg)) => assert!(!msg.contains("hunter2"), "{msg}"),
        other => panic!("expected Backend, got {other:?}"),
    }
}

#[tokio::test]
async fn a_successor_inserted_while_its_family_is_revoked_is_stored_revoked_requires_database_url()
{
    // The interleaving the rotation/reuse race test can only hope to hit: a revocation
    // holds the family's rows locked and has revoked them but not committed when the
    // successor's insert arrives. The insert must wait, and store the successor revoked.
    use cerulean_directory::authority::RefreshRedemption;
    use conformance::authority::{auth_context, refresh_model, tenant_and_user};

    let Some(url) = database_url() else { return };
    let schema = Schema::create(&url).await;
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&schema.url).await.unwrap());
    let (tenant, user) = tenant_and_user(&store, "epq").await;
    let auth = auth_context(tenant, user.id);
    let family = uuid::Uuid::new_v4();
    let first = refresh_model(&auth, family, 86_400);
    store.insert_refresh_token(&first).await.unwrap();

    let mut revoker = PgConnection::connect(&schema.url).await.unwrap();
    let mut tx = sqlx::Connection::begin(&mut revoker).await.unwrap();
    sqlx::query("SELECT token_hash FROM refresh_tokens WHERE family_id = $1 FOR UPDATE")
        .bind(family.to_string())
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE refresh_tokens SET revoked = TRUE WHERE family_id = $1")
        .bind(family.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();

    let successor = refresh_model(&auth, family, 86_400);
    let insert = {
        let (store, successor) = (store.clone(), successor.clone());
        tokio::spawn(async move { store.insert_refresh_token(&successor).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !insert.is_finished(),
        "the insert must wait for the revocation's locks"
    );
    tx.commit().await.unwrap();
    insert.await.unwrap().unwrap();

    match store
        .consume_refresh_token(&successor.token_hash, conformance::at(10))
        .await
        .unwrap()
    {
        RefreshRedemption::Reused(stored) => assert!(stored.revoked),
        other => panic!("the successor escaped its family's revocation: {other:?}"),
    }
    revoker.close().await.unwrap();
    schema.drop_schema().await;
}
