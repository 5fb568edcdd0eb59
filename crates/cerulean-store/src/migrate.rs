//! A small migration runner: each backend has an ordered list of SQL scripts; the ones
//! newer than the database's `schema_migrations` are applied on open, all in one
//! transaction, so a failed migration leaves the schema as it was.

use cerulean_directory::{StoreError, StoreResult};
use time::OffsetDateTime;

use crate::codec::{Arg, Reader, micros};
use crate::engine::Backend;

/// One schema version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT NOT NULL PRIMARY KEY, \
     name TEXT NOT NULL, \
     applied_at BIGINT NOT NULL)";

const CURRENT: &str = "SELECT MAX(version) AS version FROM schema_migrations";

const RECORD: &str =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// The newest version in `migrations` (0 if none).
pub(crate) fn latest(migrations: &[Migration]) -> i64 {
    migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The migrations to apply to a database at `current`, or an error if the database is
/// newer than this binary.
pub(crate) fn pending(current: i64, migrations: &[Migration]) -> StoreResult<Vec<Migration>> {
    let latest = latest(migrations);
    if current > latest {
        return Err(StoreError::Backend(format!(
            "database schema version {current} is newer than this cerulean ({latest}); \
             upgrade cerulean"
        )));
    }
    Ok(migrations
        .iter()
        .filter(|m| m.version > current)
        .copied()
        .collect())
}

/// Brings the database up to date. `lock` is a statement run first in the transaction to
/// serialize concurrent starts (PostgreSQL's advisory lock; SQLite's `BEGIN IMMEDIATE`
/// already does).
pub(crate) async fn run<B: Backend>(
    b: &B,
    migrations: &[Migration],
    lock: Option<&str>,
) -> StoreResult<()> {
    let mut tx = b.begin_write().await?;
    if let Some(lock) = lock {
        b.execute(&mut tx, lock, Vec::new()).await?;
    }
    b.execute(&mut tx, CREATE_TABLE, Vec::new()).await?;
    let current = match b.fetch_optional_in(&mut tx, CURRENT, Vec::new()).await? {
        Some(row) => Reader::new(&row, "schema_migrations")
            .opt_int("version")?
            .unwrap_or(0),
        None => 0,
    };
    let pending = pending(current, migrations)?;
    if pending.is_empty() {
        tracing::debug!(
            backend = B::NAME,
            version = current,
            "database schema is current"
        );
        return b.commit(tx).await;
    }
    for migration in &pending {
        b.execute_script(&mut tx, migration.sql)
            .await
            .map_err(|e| match e {
                StoreError::Backend(msg) => StoreError::Backend(format!(
                    "migration {} ({}) failed: {msg}",
                    migration.version, migration.name
                )),
                other => other,
            })?;
        let args: Vec<Arg> = vec![
            migration.version.into(),
            migration.name.into(),
            micros(OffsetDateTime::now_utc()).into(),
        ];
        b.execute(&mut tx, RECORD, args).await?;
    }
    b.commit(tx).await?;
    tracing::info!(
        backend = B::NAME,
        from = current,
        to = latest(migrations),
        "database schema migrated"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &[Migration] = &[
        Migration {
            version: 1,
            name: "a",
            sql: "",
        },
        Migration {
            version: 2,
            name: "b",
            sql: "",
        },
    ];

    #[test]
    fn pending_are_the_newer_ones() {
        let versions = |v: Vec<Migration>| v.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(pending(0, LIST).unwrap()), vec![1, 2]);
        assert_eq!(versions(pending(1, LIST).unwrap()), vec![2]);
        assert!(pending(2, LIST).unwrap().is_empty());
    }

    #[test]
    fn a_newer_database_is_refused() {
        let err = pending(3, LIST).unwrap_err().to_string();
        assert!(
            err.contains(
                "database schema version 3 is newer than this cerulean (2); upgrade cerulean"
            ),
            "{err}"
        );
    }
}
