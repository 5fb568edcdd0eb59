//! Printing results: aligned tables for people, JSON for scripts (`--json`).

use serde::Serialize;

/// Prints rows as a table with a header, or the JSON values when `json` is set.
pub fn print_table<T: Serialize>(json: bool, headers: &[&str], rows: &[Vec<String>], values: &[T]) {
    if json {
        match serde_json::to_string_pretty(values) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: cannot encode JSON: {e}"),
        }
        return;
    }
    if rows.is_empty() {
        println!("(none)");
        return;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// Prints one object: JSON, or `key: value` lines.
pub fn print_object<T: Serialize>(json: bool, fields: &[(&str, String)], value: &T) {
    if json {
        match serde_json::to_string_pretty(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: cannot encode JSON: {e}"),
        }
        return;
    }
    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in fields {
        println!("{key:<width$}  {value}");
    }
}
