//! A small brake on guessing device user codes from one browser: after
//! [`MAX_WRONG_CODES`] wrong codes within [`WINDOW_SECS`], the browser is asked to come
//! back later.
//!
//! Kept in memory, per node: it is a speed bump for casual guessing, not the defence. The
//! defence is the code space (8 letters, about 2.5·10¹⁰ codes with a 20-letter alphabet)
//! against a 15-minute lifetime, and, behind a load balancer, the balancer's own rate
//! limits. Keys are hashes of the browser's CSRF secret, never the secret itself.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};

pub const MAX_WRONG_CODES: u32 = 10;
pub const WINDOW_SECS: i64 = 15 * 60;
/// Above this many tracked browsers, stale entries are dropped (and, if still full, all).
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: i64,
    wrong: u32,
}

fn table() -> &'static Mutex<HashMap<[u8; 32], Window>> {
    static TABLE: OnceLock<Mutex<HashMap<[u8; 32], Window>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn key(browser: &str) -> [u8; 32] {
    Sha256::digest(format!("cerulean.devicecode|{browser}").as_bytes()).into()
}

/// Whether `browser` has used up its wrong guesses at `now`.
pub fn is_limited(browser: &str, now: i64) -> bool {
    let table = table().lock().unwrap_or_else(|e| e.into_inner());
    table
        .get(&key(browser))
        .is_some_and(|w| now - w.started < WINDOW_SECS && w.wrong >= MAX_WRONG_CODES)
}

/// Counts one wrong code for `browser`.
pub fn record_wrong(browser: &str, now: i64) {
    let mut table = table().lock().unwrap_or_else(|e| e.into_inner());
    if table.len() >= MAX_TRACKED {
        table.retain(|_, w| now - w.started < WINDOW_SECS);
        if table.len() >= MAX_TRACKED {
            table.clear();
        }
    }
    let window = table.entry(key(browser)).or_insert(Window {
        started: now,
        wrong: 0,
    });
    if now - window.started >= WINDOW_SECS {
        *window = Window {
            started: now,
            wrong: 0,
        };
    }
    window.wrong = window.wrong.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_after_ten_and_forgets_after_the_window() {
        let browser = "limits-test-browser";
        for _ in 0..MAX_WRONG_CODES - 1 {
            record_wrong(browser, 100);
        }
        assert!(!is_limited(browser, 100));
        record_wrong(browser, 100);
        assert!(is_limited(browser, 100));
        assert!(!is_limited("another-browser", 100));
        assert!(!is_limited(browser, 100 + WINDOW_SECS));
    }
}
