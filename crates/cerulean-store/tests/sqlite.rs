//! The conformance suite on SQLite (a file in WAL mode, and in memory), plus what is
//! particular to SQLite: the file, its pragmas, reopening and schema versions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod conformance;

use std::sync::Arc;

use cerulean_directory::{Store, StoreError};
use cerulean_store::{SqliteStore, open_store};
use conformance::TestStore;

async fn sqlite_file() -> Option<TestStore> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("cerulean.db"))
        .await
        .unwrap();
    Some(TestStore {
        store: Arc::new(store.clone()),
        cleanup: Box::pin(async move {
            store.close().await;
            drop(dir);
        }),
    })
}

async fn sqlite_memory() -> Option<TestStore> {
    let store = SqliteStore::open_in_memory().await.unwrap();
    Some(TestStore {
        store: Arc::new(store),
        cleanup: Box::pin(async {}),
    })
}

mod sqlite_file_conformance {
    crate::conformance::conformance_tests!(super::sqlite_file);
}

mod sqlite_memory_conformance {
    crate::conformance::conformance_tests!(super::sqlite_memory);
}

#[tokio::test]
async fn open_creates_the_file_and_its_directory_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("data").join("cerulean.db");
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(path.exists());
    store.ping().await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    store.close().await;

    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Every migration applied once, in order.
    let latest = cerulean_store::schema_version("sqlite").unwrap();
    assert_eq!(versions, (1..=latest).collect::<Vec<i64>>());
}

#[tokio::test]
async fn reopening_keeps_data_and_does_not_migrate_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cerulean.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let (tenant, _) = conformance::create_tenant(&store, "durable").await;
    drop(store);

    for _ in 0..2 {
        let store = open_store(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        assert_eq!(store.tenant(tenant.id).await.unwrap(), Some(tenant.clone()));
    }
    let store = open_store(path.to_str().unwrap()).await.unwrap();
    assert_eq!(store.tenants().await.unwrap(), vec![tenant]);
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_a_clear_message() {
    let (_dir, path, conn) = migrated_database().await;
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)",
        [],
    )
    .unwrap();
    drop(conn);

    let err = SqliteStore::open(&path).await.unwrap_err();
    let known = cerulean_store::schema_version("sqlite").unwrap();
    match err {
        StoreError::Backend(msg) => assert_eq!(
            msg,
            format!(
                "database schema version 999 is newer than this cerulean ({known}); upgrade cerulean"
            )
        ),
        other => panic!("expected Backend, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unopenable_path_is_unavailable_and_says_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the database file should be.
    let path = dir.path().join("is-a-directory");
    std::fs::create_dir(&path).unwrap();
    match SqliteStore::open(&path).await {
        Err(StoreError::Unavailable(msg)) => {
            assert!(msg.contains("is-a-directory"), "{msg}");
            assert!(msg.contains("writable"), "{msg}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn in_memory_stores_are_private() {
    let one: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let two = open_store("sqlite::memory:").await.unwrap();
    conformance::create_tenant(&one, "private").await;
    assert_eq!(one.tenants().await.unwrap().len(), 1);
    assert!(two.tenants().await.unwrap().is_empty());
}

#[tokio::test]
async fn corrupt_rows_are_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cerulean.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let (tenant, _) = conformance::create_tenant(&store, "corrupt").await;

    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE tenants SET branding = 'not json' WHERE id = ?1",
        [tenant.id.to_string()],
    )
    .unwrap();
    match store.tenant(tenant.id).await {
        Err(StoreError::Corrupt {
            what: "tenants",
            detail,
        }) => {
            assert!(detail.contains("branding"), "{detail}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[tokio::test]
async fn writers_in_two_processes_wait_for_each_other() {
    // Two stores on one file stand in for the server and the admin CLI: each has its own
    // writer connection, so they contend on SQLite's lock, not on a pool.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cerulean.db");
    let a: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let b: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let (tenant, domain) = conformance::create_tenant(&a, "shared").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let upn = format!("u{i}@{}", domain.name);
        tasks.spawn(async move { conformance::create_user(&store, tenant.id, &upn).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
    }
    assert_eq!(a.users(tenant.id).await.unwrap().len(), 40);
}

#[tokio::test]
async fn a_version_1_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cerulean.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../migrations/sqlite/0001_initial.sql"))
        .unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, \
         name TEXT NOT NULL, applied_at BIGINT NOT NULL); \
         INSERT INTO schema_migrations VALUES (1, 'initial', 0); \
         INSERT INTO tenants VALUES \
         ('00000000-0000-4000-8000-000000000001', 'Old', 'old.test', '{}', 0);",
    )
    .unwrap();
    drop(conn);

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).await.unwrap());
    let tenant = "00000000-0000-4000-8000-000000000001".parse().unwrap();
    assert_eq!(
        store.tenant(tenant).await.unwrap().unwrap().display_name,
        "Old"
    );
    let key = conformance::signing_key_model(tenant, 0, 10_000);
    store
        .add_signing_key(
            &key,
            &conformance::event(Some(tenant), "signingKey.add", "k"),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .signing_keys(tenant, conformance::at(0))
            .await
            .unwrap(),
        vec![key]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_committed_together_fail_alone() {
    // Many stand-alone writes at once share commits on the writer thread; a write that
    // fails (a duplicate id) must be rolled back alone, every other one must land, and
    // each caller must hear its own outcome.
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("cerulean.db"))
            .await
            .unwrap(),
    );
    let (tenant, _) = conformance::create_tenant(&store, "grouped").await;
    let first = conformance::event(Some(tenant.id), "grouped.write", "t");
    store.record_audit(&first).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400 {
        let store = store.clone();
        // Every fourth write repeats the id of the event already stored.
        let event = if i % 4 == 0 {
            first.clone()
        } else {
            conformance::event(Some(tenant.id), "grouped.write", &format!("t{i}"))
        };
        tasks.spawn(async move { (i, store.record_audit(&event).await) });
    }
    let mut failed = 0;
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = joined.unwrap();
        if i % 4 == 0 {
            assert!(
                matches!(
                    result,
                    Err(StoreError::Duplicate {
                        what: "audit event"
                    })
                ),
                "write {i}: {result:?}"
            );
            failed += 1;
        } else {
            result.unwrap();
        }
    }
    assert_eq!(failed, 100);
    let stored = store
        .audit_events(&cerulean_directory::AuditQuery {
            tenant_id: Some(tenant.id),
            action_prefix: Some("grouped.".into()),
            since: None,
            limit: 1000,
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 301);
}

#[tokio::test]
async fn the_family_revocation_probe_is_one_index_lookup() {
    // Every rotation asks whether the family has a revoked member; a family gains a row
    // per rotation, so the question must be answered by the (family_id, revoked) index,
    // not by reading the family.
    let (_dir, _path, conn) = migrated_database().await;
    let plan: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT 1 FROM refresh_tokens WHERE family_id = ?1 AND revoked = 1",
        )
        .unwrap()
        .query_map(["f"], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        plan,
        vec![
            "SEARCH refresh_tokens USING COVERING INDEX refresh_tokens_family_revoked (family_id=? AND revoked=?)"
        ]
    );
}

/// A database file with the current schema, closed by the store, and a raw connection to
/// it (the directory must outlive both).
async fn migrated_database() -> (tempfile::TempDir, std::path::PathBuf, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cerulean.db");
    SqliteStore::open(&path).await.unwrap().close().await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    (dir, path, conn)
}
