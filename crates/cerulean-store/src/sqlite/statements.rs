//! Running the engine's statements on an SQLite connection: binding its numbered `$n`
//! arguments, reading rows into owned values, and the errors on the way.
//!
//! SQLite treats `$1` as a *named* parameter whose name is `$1`, numbered in the order
//! names first appear in the statement, so a statement that mentions `$2` before `$1`
//! (or a batch whose second statement starts at `$7`) would bind the wrong values by
//! position. Each parameter is therefore bound by the number in its name.

use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::{Connection, Statement};

use crate::codec::{Arg, Columns};

/// Why a statement did not run.
#[derive(Debug)]
pub(crate) enum SqlError {
    Sqlite(rusqlite::Error),
    /// The statement names a parameter no argument was given for (a bug in the engine).
    Unbound(String),
    /// Anything else, as a message (an error repeated for a whole group of writes).
    Other(String),
    /// The store was closed, or its writer thread has ended.
    Closed,
}

impl From<rusqlite::Error> for SqlError {
    fn from(e: rusqlite::Error) -> Self {
        SqlError::Sqlite(e)
    }
}

impl SqlError {
    /// The same error again, for every write of a group that fails together (rusqlite's
    /// error is not `Clone`; the code and message are what the mapping reads).
    pub(crate) fn again(&self) -> SqlError {
        match self {
            SqlError::Sqlite(rusqlite::Error::SqliteFailure(code, message)) => {
                SqlError::Sqlite(rusqlite::Error::SqliteFailure(*code, message.clone()))
            }
            SqlError::Sqlite(other) => SqlError::Other(other.to_string()),
            SqlError::Unbound(name) => SqlError::Unbound(name.clone()),
            SqlError::Other(message) => SqlError::Other(message.clone()),
            SqlError::Closed => SqlError::Closed,
        }
    }
}

/// One result row, owned, so it can leave the connection's thread.
#[derive(Debug, Clone)]
pub struct SqliteRow {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl SqliteRow {
    fn value(&self, col: &str) -> Result<&Value, String> {
        self.names
            .iter()
            .position(|name| name == col)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| format!("no column named {col}"))
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Integer(_) => "INTEGER",
        Value::Real(_) => "REAL",
        Value::Text(_) => "TEXT",
        Value::Blob(_) => "BLOB",
    }
}

fn mismatch(expected: &str, found: &Value) -> String {
    format!("expected {expected}, found {}", kind(found))
}

impl Columns for SqliteRow {
    fn text(&self, col: &str) -> Result<String, String> {
        match self.value(col)? {
            Value::Text(s) => Ok(s.clone()),
            other => Err(mismatch("TEXT", other)),
        }
    }

    fn opt_text(&self, col: &str) -> Result<Option<String>, String> {
        match self.value(col)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(mismatch("TEXT or NULL", other)),
        }
    }

    fn int(&self, col: &str) -> Result<i64, String> {
        match self.value(col)? {
            Value::Integer(i) => Ok(*i),
            other => Err(mismatch("INTEGER", other)),
        }
    }

    fn opt_int(&self, col: &str) -> Result<Option<i64>, String> {
        match self.value(col)? {
            Value::Null => Ok(None),
            Value::Integer(i) => Ok(Some(*i)),
            other => Err(mismatch("INTEGER or NULL", other)),
        }
    }

    fn boolean(&self, col: &str) -> Result<bool, String> {
        match self.value(col)? {
            Value::Integer(i) => Ok(*i != 0),
            other => Err(mismatch("INTEGER (boolean)", other)),
        }
    }

    fn bytes(&self, col: &str) -> Result<Vec<u8>, String> {
        match self.value(col)? {
            Value::Blob(b) => Ok(b.clone()),
            other => Err(mismatch("BLOB", other)),
        }
    }
}

/// Binds every parameter of `statement` to the argument its number names.
fn bind(statement: &mut Statement<'_>, args: &[Arg]) -> Result<(), SqlError> {
    for index in 1..=statement.parameter_count() {
        let number = match statement.parameter_name(index) {
            // `$n`, `?n`, `:n` or `@n`: the n-th argument, wherever it appears.
            Some(name) => name
                .get(1..)
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| SqlError::Unbound(name.to_owned()))?,
            // A bare `?` is numbered by its position.
            None => index,
        };
        let arg = number
            .checked_sub(1)
            .and_then(|i| args.get(i))
            .ok_or_else(|| SqlError::Unbound(format!("${number}")))?;
        match arg {
            Arg::Text(v) => statement.raw_bind_parameter(index, v)?,
            Arg::OptText(v) => statement.raw_bind_parameter(index, v)?,
            Arg::Int(v) => statement.raw_bind_parameter(index, v)?,
            Arg::OptInt(v) => statement.raw_bind_parameter(index, v)?,
            Arg::Bool(v) => statement.raw_bind_parameter(index, v)?,
            Arg::Bytes(v) => statement.raw_bind_parameter(index, v)?,
        }
    }
    Ok(())
}

/// Runs one statement to its end; every row it returns (a SELECT's, or a write's
/// `RETURNING`).
pub(crate) fn rows(conn: &Connection, sql: &str, args: &[Arg]) -> Result<Vec<SqliteRow>, SqlError> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    let names: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let width = names.len();
    let mut cursor = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = cursor.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(Value::from(row.get_ref(i)?));
        }
        out.push(SqliteRow {
            names: names.clone(),
            values,
        });
    }
    Ok(out)
}

/// Runs one writing statement to its end; the number of rows it changed.
pub(crate) fn affected(conn: &Connection, sql: &str, args: &[Arg]) -> Result<u64, SqlError> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    let mut cursor = statement.raw_query();
    while cursor.next()?.is_some() {}
    Ok(conn.changes())
}

/// Runs each statement of a `;`-separated batch sharing one numbered argument list; the
/// rows they return, in order.
pub(crate) fn batch(
    conn: &Connection,
    statements: &str,
    args: &[Arg],
) -> Result<Vec<SqliteRow>, SqlError> {
    let mut out = Vec::new();
    for sql in split(statements) {
        out.extend(rows(conn, sql, args)?);
    }
    Ok(out)
}

/// The statements of a batch: split at `;` outside quoted strings and identifiers, empty
/// pieces dropped. The batches are the engine's own SQL (no comments, no triggers).
pub(crate) fn split(statements: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in statements.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ';') => {
                out.push(&statements[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&statements[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_split_outside_quotes_only() {
        assert_eq!(
            split("INSERT INTO t VALUES ('a;b'); SELECT \"x;y\" FROM t ;; SELECT 1;"),
            vec![
                "INSERT INTO t VALUES ('a;b')",
                "SELECT \"x;y\" FROM t",
                "SELECT 1"
            ]
        );
        assert!(split("  ; ").is_empty());
    }

    #[test]
    fn parameters_bind_by_the_number_in_their_name() {
        let conn = Connection::open_in_memory().unwrap();
        let args: Vec<Arg> = vec!["first".into(), 2i64.into(), Arg::OptText(None)];
        let row = rows(
            &conn,
            "SELECT $2 AS two, $1 AS one, $3 AS three, $1 AS again",
            &args,
        )
        .unwrap()
        .remove(0);
        assert_eq!(row.int("two").unwrap(), 2);
        assert_eq!(row.text("one").unwrap(), "first");
        assert_eq!(row.opt_text("three").unwrap(), None);
        assert_eq!(row.text("again").unwrap(), "first");
        assert!(
            row.int("one")
                .unwrap_err()
                .contains("expected INTEGER, found TEXT")
        );
        assert!(
            row.text("missing")
                .unwrap_err()
                .contains("no column named missing")
        );
    }

    #[test]
    fn a_parameter_without_an_argument_is_an_error_not_a_null() {
        let conn = Connection::open_in_memory().unwrap();
        match rows(&conn, "SELECT $1, $2", &["only".into()]) {
            Err(SqlError::Unbound(name)) => assert_eq!(name, "$2"),
            other => panic!("expected Unbound, got {other:?}"),
        }
    }

    #[test]
    fn a_batch_shares_its_arguments_across_statements() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a TEXT, b INTEGER)")
            .unwrap();
        let args: Vec<Arg> = vec!["x".into(), 7i64.into()];
        let out = batch(
            &conn,
            "INSERT INTO t VALUES ($1, $2); SELECT changes() AS n; SELECT b FROM t WHERE a = $1",
            &args,
        )
        .unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].int("n").unwrap(), 1);
        assert_eq!(out[1].int("b").unwrap(), 7);
        assert_eq!(
            affected(&conn, "DELETE FROM t WHERE b = $2", &args).unwrap(),
            1
        );
    }
}
