//! Conversions between the directory's models and database values, shared by both
//! backends: ids as lower-case hyphenated GUID text, times as unix microseconds,
//! JSON-shaped fields as serde_json text, and rows decoded column by column into models
//! (anything that does not decode is [`StoreError::Corrupt`]).

use cerulean_directory::{
    Application, AuditEvent, Domain, Group, Member, StoreError, StoreResult, Tenant, User,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use uuid::Uuid;

/// A value bound to a statement parameter. Both backends bind the same few shapes, so the
/// statements and their arguments are written once (see `engine`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Bytes(Vec<u8>),
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Text(value)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Text(value.to_string())
    }
}

impl From<Option<String>> for Arg {
    fn from(value: Option<String>) -> Self {
        Arg::OptText(value)
    }
}

impl From<i64> for Arg {
    fn from(value: i64) -> Self {
        Arg::Int(value)
    }
}

impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Self {
        Arg::OptInt(value)
    }
}

impl From<bool> for Arg {
    fn from(value: bool) -> Self {
        Arg::Bool(value)
    }
}

impl From<Vec<u8>> for Arg {
    fn from(value: Vec<u8>) -> Self {
        Arg::Bytes(value)
    }
}

/// Binds a list of [`Arg`]s to a sqlx (PostgreSQL) query; SQLite binds them in
/// `sqlite/statements.rs`.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::codec::Arg::Text(v) => query.bind(v),
                $crate::codec::Arg::OptText(v) => query.bind(v),
                $crate::codec::Arg::Int(v) => query.bind(v),
                $crate::codec::Arg::OptInt(v) => query.bind(v),
                $crate::codec::Arg::Bool(v) => query.bind(v),
                $crate::codec::Arg::Bytes(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(crate) use bind_args;

// ── primitive conversions ─────────────────────────────────────────────────────────────

/// Unix microseconds (UTC); sub-microsecond precision is dropped (floor).
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    let nanos = t.unix_timestamp_nanos().div_euclid(1_000);
    // Every OffsetDateTime time can represent (±9999 years) fits in i64 microseconds.
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

pub(crate) fn from_micros(value: i64) -> Result<OffsetDateTime, String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1_000)
        .map_err(|e| format!("timestamp {value} out of range: {e}"))
}

/// The case-folded form used for case-insensitive keys (UPNs, domain names).
pub(crate) fn fold_case(s: &str) -> String {
    s.to_lowercase()
}

/// An id as stored: lower-case, hyphenated.
pub(crate) fn id_text(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

pub(crate) fn to_json<T: Serialize + ?Sized>(what: &'static str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Backend(format!("cannot encode {what} as JSON: {e}")))
}

// ── reading rows ──────────────────────────────────────────────────────────────────────

/// Typed column access, implemented by both backends' row types.
pub(crate) trait Columns {
    fn text(&self, col: &str) -> Result<String, String>;
    fn opt_text(&self, col: &str) -> Result<Option<String>, String>;
    fn int(&self, col: &str) -> Result<i64, String>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>, String>;
    fn boolean(&self, col: &str) -> Result<bool, String>;
    fn bytes(&self, col: &str) -> Result<Vec<u8>, String>;
}

impl Columns for sqlx::postgres::PgRow {
    fn text(&self, col: &str) -> Result<String, String> {
        sqlx::Row::try_get(self, col).map_err(|e| e.to_string())
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>, String> {
        sqlx::Row::try_get(self, col).map_err(|e| e.to_string())
    }
    fn int(&self, col: &str) -> Result<i64, String> {
        sqlx::Row::try_get(self, col).map_err(|e| e.to_string())
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>, String> {
        sqlx::Row::try_get(self, col).map_err(|e| e.to_string())
    }
    fn boolean(&self, col: &str) -> Result<bool, String> {
        sqlx::Row::try_get(self, col).map_err(|e| e.to_string())
    }
    fn bytes(&self, col: &str) -> Result<Vec<u8>, String> {
        sqlx::Row::try_get(self, col).map_err(|e| e.to_string())
    }
}

/// Reads the columns of one row of table `what`, turning every failure into `Corrupt`.
pub(crate) struct Reader<'a, R> {
    row: &'a R,
    what: &'static str,
}

impl<'a, R: Columns> Reader<'a, R> {
    pub(crate) fn new(row: &'a R, what: &'static str) -> Self {
        Self { row, what }
    }

    fn corrupt(&self, col: &str, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            what: self.what,
            detail: format!("column {col}: {detail}"),
        }
    }

    pub(crate) fn text(&self, col: &str) -> StoreResult<String> {
        self.row.text(col).map_err(|e| self.corrupt(col, e))
    }

    pub(crate) fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        self.row.opt_text(col).map_err(|e| self.corrupt(col, e))
    }

    pub(crate) fn int(&self, col: &str) -> StoreResult<i64> {
        self.row.int(col).map_err(|e| self.corrupt(col, e))
    }

    pub(crate) fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        self.row.opt_int(col).map_err(|e| self.corrupt(col, e))
    }

    pub(crate) fn boolean(&self, col: &str) -> StoreResult<bool> {
        self.row.boolean(col).map_err(|e| self.corrupt(col, e))
    }

    pub(crate) fn bytes(&self, col: &str) -> StoreResult<Vec<u8>> {
        self.row.bytes(col).map_err(|e| self.corrupt(col, e))
    }

    /// A non-negative count stored as a 64-bit integer.
    pub(crate) fn u32(&self, col: &str) -> StoreResult<u32> {
        let value = self.int(col)?;
        u32::try_from(value).map_err(|_| self.corrupt(col, format!("{value} is not a u32")))
    }

    pub(crate) fn uuid(&self, col: &str) -> StoreResult<Uuid> {
        let text = self.text(col)?;
        Uuid::parse_str(&text)
            .map_err(|e| self.corrupt(col, format!("'{text}' is not a GUID: {e}")))
    }

    pub(crate) fn id<T: From<Uuid>>(&self, col: &str) -> StoreResult<T> {
        self.uuid(col).map(T::from)
    }

    pub(crate) fn opt_id<T: From<Uuid>>(&self, col: &str) -> StoreResult<Option<T>> {
        match self.opt_text(col)? {
            None => Ok(None),
            Some(text) => Uuid::parse_str(&text)
                .map(|u| Some(T::from(u)))
                .map_err(|e| self.corrupt(col, format!("'{text}' is not a GUID: {e}"))),
        }
    }

    pub(crate) fn time(&self, col: &str) -> StoreResult<OffsetDateTime> {
        from_micros(self.int(col)?).map_err(|e| self.corrupt(col, e))
    }

    pub(crate) fn opt_time(&self, col: &str) -> StoreResult<Option<OffsetDateTime>> {
        match self.opt_int(col)? {
            None => Ok(None),
            Some(v) => from_micros(v).map(Some).map_err(|e| self.corrupt(col, e)),
        }
    }

    pub(crate) fn json<T: DeserializeOwned>(&self, col: &str) -> StoreResult<T> {
        let text = self.text(col)?;
        serde_json::from_str(&text).map_err(|e| self.corrupt(col, format!("bad JSON: {e}")))
    }
}

// ── models ────────────────────────────────────────────────────────────────────────────

pub(crate) fn tenant<R: Columns>(row: &R) -> StoreResult<Tenant> {
    let r = Reader::new(row, "tenants");
    Ok(Tenant {
        id: r.id("id")?,
        display_name: r.text("display_name")?,
        initial_domain: r.text("initial_domain")?,
        branding: r.json("branding")?,
        created_at: r.time("created_at")?,
    })
}

pub(crate) fn domain<R: Columns>(row: &R) -> StoreResult<Domain> {
    let r = Reader::new(row, "domains");
    Ok(Domain {
        name: r.text("name")?,
        tenant_id: r.id("tenant_id")?,
        kind: r.json("kind")?,
        is_initial: r.boolean("is_initial")?,
        created_at: r.time("created_at")?,
    })
}

pub(crate) fn user<R: Columns>(row: &R) -> StoreResult<User> {
    let r = Reader::new(row, "users");
    Ok(User {
        id: r.id("id")?,
        tenant_id: r.id("tenant_id")?,
        upn: r.text("upn")?,
        display_name: r.text("display_name")?,
        enabled: r.boolean("enabled")?,
        password_hash: r.opt_text("password_hash")?,
        password_changed_at: r.opt_time("password_changed_at")?,
        roles: r.json("roles")?,
        created_at: r.time("created_at")?,
        version: r.int("version")?,
    })
}

pub(crate) fn group<R: Columns>(row: &R) -> StoreResult<Group> {
    let r = Reader::new(row, "groups");
    Ok(Group {
        id: r.id("id")?,
        tenant_id: r.id("tenant_id")?,
        display_name: r.text("display_name")?,
        description: r.opt_text("description")?,
        created_at: r.time("created_at")?,
    })
}

pub(crate) fn member<R: Columns>(row: &R) -> StoreResult<Member> {
    let r = Reader::new(row, "group_members");
    let kind = r.text("member_kind")?;
    let id = r.uuid("member_id")?;
    Member::from_parts(&kind, id).ok_or_else(|| StoreError::Corrupt {
        what: "group_members",
        detail: format!("column member_kind: unknown member kind '{kind}'"),
    })
}

pub(crate) fn application<R: Columns>(row: &R) -> StoreResult<Application> {
    let r = Reader::new(row, "applications");
    Ok(Application {
        tenant_id: r.id("tenant_id")?,
        client_id: r.id("client_id")?,
        display_name: r.text("display_name")?,
        first_party: r.boolean("first_party")?,
        public_client: r.boolean("public_client")?,
        redirect_uris: r.json("redirect_uris")?,
        identifier_uris: r.json("identifier_uris")?,
        scopes: r.json("scopes")?,
        secrets: r.json("secrets")?,
        created_at: r.time("created_at")?,
        version: r.int("version")?,
    })
}

pub(crate) fn audit_event<R: Columns>(row: &R) -> StoreResult<AuditEvent> {
    let r = Reader::new(row, "audit_events");
    Ok(AuditEvent {
        id: r.id("id")?,
        time: r.time("time")?,
        tenant_id: r.opt_id("tenant_id")?,
        actor: r.json("actor")?,
        action: r.text("action")?,
        target: r.text("target")?,
        correlation_id: r.opt_text("correlation_id")?,
        result: r.json("result")?,
        details: r.json("details")?,
    })
}

pub(crate) fn decode_all<R, T>(
    rows: &[R],
    decode: fn(&R) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    rows.iter().map(decode).collect()
}

// ── listing order ─────────────────────────────────────────────────────────────────────
//
// Lists are ordered in Rust rather than with ORDER BY: text collation differs between
// SQLite (binary) and PostgreSQL (the database's locale), and both backends must return
// the same order.

pub(crate) fn sort_tenants(items: &mut [Tenant]) {
    items.sort_by_key(|t| (t.created_at, t.id));
}

/// The initial domain first, then by name.
pub(crate) fn sort_domains(items: &mut [Domain]) {
    items.sort_by(|a, b| (!a.is_initial, &a.name).cmp(&(!b.is_initial, &b.name)));
}

pub(crate) fn sort_users(items: &mut [User]) {
    items.sort_by_cached_key(|u| (fold_case(&u.upn), u.id));
}

pub(crate) fn sort_groups(items: &mut [Group]) {
    items.sort_by_cached_key(|g| (fold_case(&g.display_name), g.display_name.clone(), g.id));
}

pub(crate) fn sort_applications(items: &mut [Application]) {
    items.sort_by_cached_key(|a| (fold_case(&a.display_name), a.client_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip_and_truncate() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let m = micros(t);
        assert_eq!(m, 1_700_000_000_123_456);
        let back = from_micros(m).unwrap();
        assert_eq!(back.unix_timestamp_nanos(), 1_700_000_000_123_456_000);
        // Before the epoch, truncation floors rather than rounding toward zero.
        let before = OffsetDateTime::from_unix_timestamp_nanos(-1_500).unwrap();
        assert_eq!(micros(before), -2);
    }

    #[test]
    fn out_of_range_micros_are_reported() {
        assert!(from_micros(i64::MAX).is_err());
    }

    #[test]
    fn fold_case_is_unicode_aware() {
        assert_eq!(fold_case("Ärger@Contoso.TEST"), "ärger@contoso.test");
    }
}
