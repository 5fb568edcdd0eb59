//! Choosing a backend from a database URL or path.

use std::path::PathBuf;
use std::sync::Arc;

use cerulean_directory::{Store, StoreError};

use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;

/// Where the data lives, as parsed from the configuration string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Postgres(String),
    SqliteFile(PathBuf),
    SqliteMemory,
}

fn parse(spec: &str) -> Result<Location, StoreError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(StoreError::Backend(
            "no database given: use postgres://…, sqlite://path or a file path".into(),
        ));
    }
    if strip_scheme(spec, "postgres://").is_some() || strip_scheme(spec, "postgresql://").is_some()
    {
        return Ok(Location::Postgres(spec.to_string()));
    }
    let sqlite = strip_scheme(spec, "sqlite://").or_else(|| strip_scheme(spec, "sqlite:"));
    match sqlite {
        Some(":memory:") => Ok(Location::SqliteMemory),
        Some("") => Err(StoreError::Backend(
            "the sqlite: URL has no path; use sqlite:///var/lib/cerulean/cerulean.db".into(),
        )),
        Some(path) => Ok(Location::SqliteFile(PathBuf::from(path))),
        None if spec == ":memory:" => Ok(Location::SqliteMemory),
        None => match spec.split_once("://") {
            Some((scheme, _)) => Err(StoreError::Backend(format!(
                "unsupported database URL scheme '{scheme}'; use postgres://…, sqlite://path \
                 or a file path"
            ))),
            None => Ok(Location::SqliteFile(PathBuf::from(spec))),
        },
    }
}

/// `spec` without `prefix`, if it starts with it (ignoring ASCII case).
fn strip_scheme<'a>(spec: &'a str, prefix: &str) -> Option<&'a str> {
    spec.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .and_then(|_| spec.get(prefix.len()..))
}

/// Opens the store `database_url_or_path` names: `postgres://…` or `postgresql://…` →
/// PostgreSQL; `sqlite://path`, `sqlite:path` or a plain path → an SQLite file (created if
/// missing); `sqlite::memory:` → a private in-memory SQLite database (tests only). The
/// schema is migrated on open.
pub async fn open_store(database_url_or_path: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match parse(database_url_or_path)? {
        Location::Postgres(url) => Arc::new(PostgresStore::connect(&url).await?),
        Location::SqliteFile(path) => Arc::new(SqliteStore::open(&path).await?),
        Location::SqliteMemory => Arc::new(SqliteStore::open_in_memory().await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        let pg = "postgres://u:p@db:5432/c";
        assert_eq!(parse(pg).unwrap(), Location::Postgres(pg.into()));
        let pg = "PostgreSQL://db/c";
        assert_eq!(parse(pg).unwrap(), Location::Postgres(pg.into()));
        assert_eq!(
            parse("sqlite:///var/lib/c.db").unwrap(),
            Location::SqliteFile("/var/lib/c.db".into())
        );
        assert_eq!(
            parse("sqlite://data/c.db").unwrap(),
            Location::SqliteFile("data/c.db".into())
        );
        assert_eq!(
            parse("sqlite:c.db").unwrap(),
            Location::SqliteFile("c.db".into())
        );
        assert_eq!(
            parse("/srv/cerulean/c.db").unwrap(),
            Location::SqliteFile("/srv/cerulean/c.db".into())
        );
        assert_eq!(parse("sqlite::memory:").unwrap(), Location::SqliteMemory);
        assert_eq!(parse("sqlite://:memory:").unwrap(), Location::SqliteMemory);
    }

    #[test]
    fn unknown_schemes_and_empty_specs_are_refused() {
        let err = parse("mysql://db/c").unwrap_err().to_string();
        assert!(
            err.contains("unsupported database URL scheme 'mysql'"),
            "{err}"
        );
        assert!(parse("  ").is_err());
        assert!(parse("sqlite://").is_err());
    }
}
