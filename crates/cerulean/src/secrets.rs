//! Reading secrets without putting them on the command line (where `ps` and shell
//! history would see them).

use std::io::BufRead;

use anyhow::{Context as _, bail};
use cerulean_crypto::{SecretString, random_token};

use crate::cli::PasswordSource;

/// A password from the chosen source; `Ok(None)` if no source was given.
/// The bool says whether it was generated (and so must be shown once).
pub fn read_password(source: &PasswordSource) -> anyhow::Result<Option<(SecretString, bool)>> {
    if source.generate_password {
        return Ok(Some((generate_password()?, true)));
    }
    if source.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(Some((first_line(line)?, false)));
    }
    if let Some(path) = &source.password_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the password file {}", path.display()))?;
        return Ok(Some((first_line(text)?, false)));
    }
    Ok(None)
}

fn first_line(text: String) -> anyhow::Result<SecretString> {
    let line = text.lines().next().unwrap_or_default().to_string();
    drop(SecretString::new(text));
    if line.is_empty() {
        bail!("the password is empty: put it on the first line");
    }
    Ok(SecretString::new(line))
}

/// A 24-character random password (144 bits), readable enough to type once.
pub fn generate_password() -> anyhow::Result<SecretString> {
    Ok(SecretString::new(random_token(18)?))
}
