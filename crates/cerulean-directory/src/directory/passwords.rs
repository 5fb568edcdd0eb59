//! Password rules.

use cerulean_crypto::SecretString;

use crate::error::{DirectoryError, DirectoryResult};

/// Entra's cloud password policy, minus character classes: long passwords beat
/// composition rules (NIST SP 800-63B §5.1.1.2).
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 256,
        }
    }
}

impl PasswordPolicy {
    /// Checks a new password for a user.
    pub fn check(&self, password: &SecretString, upn: &str) -> DirectoryResult<()> {
        let text = password.expose();
        let length = text.chars().count();
        if length < self.min_length {
            return Err(DirectoryError::WeakPassword(format!(
                "use at least {} characters",
                self.min_length
            )));
        }
        if length > self.max_length {
            return Err(DirectoryError::WeakPassword(format!(
                "use at most {} characters",
                self.max_length
            )));
        }
        let local = upn.split('@').next().unwrap_or_default();
        if !local.is_empty() && text.to_lowercase().contains(&local.to_lowercase()) {
            return Err(DirectoryError::WeakPassword(
                "it must not contain the user name".to_string(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rejects_short_and_name_containing_passwords() {
        let policy = PasswordPolicy::default();
        let upn = "alice@contoso.test";
        assert!(
            policy
                .check(&SecretString::new("short".into()), upn)
                .is_err()
        );
        assert!(
            policy
                .check(&SecretString::new("Alice-2026-long".into()), upn)
                .is_err()
        );
        assert!(
            policy
                .check(&SecretString::new("correct horse battery".into()), upn)
                .is_ok()
        );
    }
}
