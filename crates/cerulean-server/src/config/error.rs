//! Configuration errors: one line each, saying where, which key, and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("config error: cannot read {}: {source}; check the path given with --config", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value of the wrong form.
    #[error("config error in {source_name} at line {line}, column {column}: {}{message}", key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default())]
    Parse {
        source_name: String,
        line: usize,
        column: usize,
        /// `section.key`, with ` = value` when the value is at fault.
        key: Option<String>,
        message: String,
    },
    /// A value that parses but is not acceptable.
    #[error("config error in {source_name}: {key} = {value}: {reason}")]
    Invalid {
        /// File name, environment variable or command-line flag.
        source_name: String,
        key: &'static str,
        /// The value as shown to the operator (quoted; secrets redacted).
        value: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
}
