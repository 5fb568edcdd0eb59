//! A wrapper for secrets read off the wire: redacted `Debug`, zeroized on drop.
//!
//! Constant-time comparison is deliberately not offered here; compare secrets with the
//! primitives of `cerulean-crypto`.

use std::fmt;
use zeroize::Zeroize;

/// A secret value (password, client secret, refresh token, authorization code …).
///
/// `Debug` prints `Redacted(…)` and the value is zeroized when dropped. Read it with
/// [`Redacted::expose`].
#[derive(Clone, Default)]
pub struct Redacted<T: Zeroize>(T);

impl<T: Zeroize> Redacted<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Borrows the secret. Keep the borrow short and never log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Redacted<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Zeroize> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redacted(…)")
    }
}

impl<T: Zeroize> Drop for Redacted<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Redacted::new(String::from("hunter2"));
        let shown = format!("{secret:?}");
        assert!(!shown.contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2");
    }
}
