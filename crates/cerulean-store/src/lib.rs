//! Cerulean's [`Store`](cerulean_directory::Store) on SQLite (the embedded default) and
//! PostgreSQL (several stateless nodes sharing one database).
//!
//! - [`open_store`] picks the backend from a URL or path; [`SqliteStore`] and
//!   [`PostgresStore`] can also be opened directly. Both migrate their schema on open.
//! - Every directory mutation writes its rows and its audit event in one transaction
//!   (so do the authority's signing-key additions and user-wide token revocations; its
//!   short-lived grant state — codes, refresh tokens, sessions, lockout counters — is
//!   written without audit events). Every "consume" of that state is atomic across nodes
//!   (`engine::authority`).
//! - A device registration is one write transaction that checks the owner, the quota and
//!   the request's fingerprint and inserts together, serialized per owner (SQLite's single
//!   writer; a row lock on the owner in PostgreSQL): parallel joins by one user can
//!   neither exceed the quota nor create two devices for one request
//!   (`engine::devices`).
//! - The store logic (statements, transactions, optimistic checks, duplicate mapping) is
//!   written once in `engine` for both databases; each backend supplies connections,
//!   error mapping and the few dialect differences. One conformance suite
//!   (`tests/conformance`) holds both to the same behaviour.
//! - [`bench`] is a load generator for `cerulean bench store`.
//!
//! Storage conventions (both backends): ids are TEXT lower-case hyphenated GUIDs,
//! times are 64-bit unix microseconds (sub-microsecond precision is dropped),
//! JSON-shaped fields are TEXT holding serde_json, byte strings (certificates) are
//! BLOB / BYTEA, UPNs and domain names are unique case-insensitively across the
//! deployment.

pub mod bench;
mod codec;
mod engine;
mod error;
mod migrate;
mod open;
mod postgres;
mod sqlite;

pub use bench::{BenchReport, Throughput, run_store_benchmark};
pub use open::open_store;
pub use postgres::{DEFAULT_POOL_SIZE, PostgresStore};
pub use sqlite::SqliteStore;

/// The newest schema version this build knows, per backend (`sqlite`, `postgres`).
pub fn schema_version(backend: &str) -> Option<i64> {
    match backend {
        "sqlite" => Some(migrate::latest(sqlite::MIGRATIONS)),
        "postgres" => Some(migrate::latest(postgres::MIGRATIONS)),
        _ => None,
    }
}
