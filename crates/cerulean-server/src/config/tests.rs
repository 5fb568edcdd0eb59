use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn empty_file_gives_defaults() {
    let c = Config::from_toml_str("", "cerulean.toml").unwrap();
    c.validate().unwrap();
    assert_eq!(c.server.listen.to_string(), "127.0.0.1:8443");
    assert_eq!(c.server.http_listen, None);
    assert_eq!(c.server.hosts, ["localhost", "127.0.0.1"]);
    assert_eq!(c.server.public_url, None);
    assert_eq!(c.server.max_body_bytes, 262_144);
    assert_eq!(c.server.request_timeout_secs, 30);
    assert_eq!(c.server.shutdown_grace_secs, 10);
    assert_eq!(c.tls, TlsSettings::default());
    assert_eq!(c.data.dir, PathBuf::from("./cerulean-data"));
    assert_eq!(c.database_url(), "sqlite://./cerulean-data/cerulean.db");
    assert_eq!(c.log.level, "info");
    assert_eq!(c.log.format, LogFormat::Text);
    assert_eq!(c.password_params(), PasswordParams::default());
    assert_eq!(c.security.argon2_memory_kib, 19_456);
}

#[test]
fn load_without_path_uses_defaults() {
    // The process environment of a test run carries no CERULEAN_* variables.
    let c = Config::load(None).unwrap();
    assert_eq!(c.server.listen.to_string(), "127.0.0.1:8443");
}

#[test]
fn load_with_missing_explicit_path_is_an_error() {
    let err = Config::load(Some(Path::new("/nonexistent/cerulean.toml"))).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("cannot read /nonexistent/cerulean.toml"),
        "{msg}"
    );
    assert!(msg.contains("--config"), "{msg}");
}

#[test]
fn load_reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cerulean.toml");
    std::fs::write(
        &path,
        "[server]\nlisten = \"0.0.0.0:9443\"\nhosts = [\"login.contoso.test\"]\n[log]\nformat = \"json\"\n",
    )
    .unwrap();
    let c = Config::load(Some(&path)).unwrap();
    assert_eq!(c.server.listen.to_string(), "0.0.0.0:9443");
    assert_eq!(c.server.hosts, ["login.contoso.test"]);
    assert_eq!(c.log.format, LogFormat::Json);
}

#[test]
fn unknown_field_names_line_column_and_key() {
    let err = Config::from_toml_str(
        "[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n",
        "cerulean.toml",
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "config error in cerulean.toml at line 3, column 1: server.lisen: unknown field `lisen`"
        ),
        "{msg}"
    );
    assert!(msg.contains("expected one of"), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
}

#[test]
fn unknown_section_is_an_error() {
    let err = Config::from_toml_str("[sever]\n", "c.toml").unwrap_err();
    assert!(err.to_string().contains("unknown field `sever`"), "{err}");
}

#[test]
fn invalid_listen_address_message() {
    let err = Config::from_toml_str("[server]\nlisten = \"abc\"\n", "cerulean.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config error in cerulean.toml at line 2, column 10: server.listen = \"abc\": not a socket address like 127.0.0.1:8443"
    );
}

#[test]
fn wrong_type_message_has_position() {
    let err = Config::from_toml_str("[server]\nmax_body_bytes = \"big\"\n", "c.toml").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("config error in c.toml at line 2, column 18: server.max_body_bytes = \"big\": invalid type"), "{msg}");
}

#[test]
fn syntax_error_message_has_position() {
    let err = Config::from_toml_str("[server\n", "c.toml").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("config error in c.toml at line 1"), "{msg}");
}

#[test]
fn database_url_value_is_not_echoed_on_parse_errors() {
    let err = Config::from_toml_str("[database]\nurl = 5\n", "c.toml").unwrap_err();
    assert!(
        err.to_string().contains("database.url: invalid type"),
        "{err}"
    );
}

#[test]
fn env_overrides_apply_and_are_named_in_errors() {
    let mut c =
        Config::from_toml_str("[server]\nlisten = \"127.0.0.1:1\"\n", "cerulean.toml").unwrap();
    c.apply_env(env(&[
        ("CERULEAN_LISTEN", "127.0.0.1:0"),
        ("CERULEAN_HTTP_LISTEN", "127.0.0.1:8081"),
        ("CERULEAN_HOSTS", "login.contoso.test, 127.0.0.1,"),
        ("CERULEAN_PUBLIC_URL", "https://login.contoso.test"),
        ("CERULEAN_DATA_DIR", "/var/lib/cerulean"),
        ("CERULEAN_LOG_LEVEL", "debug"),
        ("CERULEAN_LOG_FORMAT", "JSON"),
        ("CERULEAN_TLS_CERT_FILE", "/etc/c.pem"),
    ]))
    .unwrap();
    assert_eq!(c.server.listen.to_string(), "127.0.0.1:0");
    assert_eq!(
        c.server.http_listen.map(|a| a.to_string()).as_deref(),
        Some("127.0.0.1:8081")
    );
    assert_eq!(c.server.hosts, ["login.contoso.test", "127.0.0.1"]);
    assert_eq!(
        c.server.public_url.as_deref(),
        Some("https://login.contoso.test")
    );
    assert_eq!(c.database_url(), "sqlite:///var/lib/cerulean/cerulean.db");
    assert_eq!(c.log.level, "debug");
    assert_eq!(c.log.format, LogFormat::Json);
    // The cert without a key is attributed to the variable that set it.
    let err = c.validate().unwrap_err().to_string();
    assert_eq!(
        err,
        "config error in cerulean.toml: tls.key_file = (not set): set it together with tls.cert_file, or remove both to use a generated certificate"
    );
}

#[test]
fn env_listen_error_names_the_variable() {
    let mut c = Config::default();
    let err = c.apply_env(env(&[("CERULEAN_LISTEN", "abc")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "config error in CERULEAN_LISTEN: server.listen = \"abc\": not a socket address like 127.0.0.1:8443"
    );
}

#[test]
fn env_can_turn_the_http_listener_off() {
    let mut c = Config::from_toml_str("[server]\nhttp_listen = \"127.0.0.1:8081\"\n", "c").unwrap();
    c.apply_env(env(&[("CERULEAN_HTTP_LISTEN", "")])).unwrap();
    assert_eq!(c.server.http_listen, None);
}

#[test]
fn validation_errors_name_source_key_and_fix() {
    let mut c = Config::default();
    c.apply_env(env(&[("CERULEAN_HOSTS", "https://x.test")]))
        .unwrap();
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "config error in CERULEAN_HOSTS: server.hosts = \"https://x.test\": not a host name or IP address; use names like login.contoso.test (a leading *. is allowed) or literals like 127.0.0.1, without scheme or port"
    );

    let c = Config::from_toml_str("[server]\nhosts = []\n", "cerulean.toml").unwrap();
    let msg = c.validate().unwrap_err().to_string();
    assert!(
        msg.starts_with("config error in cerulean.toml: server.hosts = []: list at least one"),
        "{msg}"
    );

    let mut c = Config::default();
    c.server.public_url = Some("https://x.test/path".into());
    c.mark_overridden("server.public_url", "--public-url");
    let msg = c.validate().unwrap_err().to_string();
    assert!(
        msg.starts_with(
            "config error in --public-url: server.public_url = \"https://x.test/path\""
        ),
        "{msg}"
    );

    let mut c = Config::default();
    c.database.url = Some("mysql://u:hunter2@h/db".into());
    let msg = c.validate().unwrap_err().to_string();
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(msg.contains("the built-in defaults"), "{msg}");

    let mut c = Config::default();
    c.security.argon2_memory_kib = 4;
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .contains("security.argon2_memory_kib = 4")
    );

    let mut c = Config::default();
    c.server.http_listen = Some(c.server.listen);
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .contains("must differ from server.listen")
    );

    let mut c = Config::default();
    c.log.level = "info; rm -rf".into();
    assert!(c.validate().is_err());
}

#[test]
fn public_url_forms() {
    for ok in [
        "https://login.contoso.test",
        "https://login.contoso.test/",
        "http://127.0.0.1:8081",
        "https://[::1]:8443",
    ] {
        let mut c = Config::default();
        c.server.public_url = Some(ok.into());
        c.validate().unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in [
        "login.contoso.test",
        "ftp://x",
        "https://",
        "https://a@b",
        "https://x?y",
        "https://x:99999",
    ] {
        let mut c = Config::default();
        c.server.public_url = Some(bad.into());
        assert!(c.validate().is_err(), "{bad}");
    }
}

#[test]
fn example_parses_to_the_defaults_and_matches_docs() {
    let example = Config::example_toml();
    let c = Config::from_toml_str(example, "example").unwrap();
    c.validate().unwrap();
    let d = Config::default();
    assert_eq!(c.server, d.server);
    assert_eq!(c.security, d.security);
    assert_eq!(c.authority, d.authority);
    // Uncommenting every setting must still parse (keys spelled right, values valid).
    let uncommented: String = example
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest_is_setting(l) => format!("{rest}\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    let full = Config::from_toml_str(&uncommented, "uncommented").unwrap();
    full.validate().unwrap();
    assert_eq!(full.server.http_listen.map(|a| a.port()), Some(8081));
    assert!(full.tls.cert_file.is_some());

    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cerulean.example.toml");
    assert_eq!(
        std::fs::read_to_string(docs).unwrap(),
        example,
        "docs/cerulean.example.toml is stale"
    );
}

/// A commented-out `key = value` line of the example.
fn rest_is_setting(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("# ") else {
        return false;
    };
    rest.split_once(" = ")
        .is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

#[test]
fn debug_output_hides_the_database_password() {
    let mut c = Config::default();
    c.database.url = Some("postgres://cerulean:hunter2@db/cerulean".into());
    let debug = format!("{c:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("postgres://***@db/cerulean"), "{debug}");
}

#[test]
fn redaction_handles_at_signs_in_passwords() {
    let mut c = Config::default();
    c.database.url = Some("postgres://u:p@ss@db:5432/x?sslmode=require".into());
    let debug = format!("{:?}", c.database);
    assert!(!debug.contains("p@ss"), "{debug}");
    assert!(
        debug.contains("postgres://***@db:5432/x?sslmode=require"),
        "{debug}"
    );
}

#[test]
fn authority_settings_from_env_and_ranges() {
    let mut c = Config::default();
    c.apply_env(env(&[
        ("CERULEAN_ACCESS_TOKEN_LIFETIME_SECS", "5400"),
        ("CERULEAN_REFRESH_TOKEN_LIFETIME_DAYS", "14"),
        ("CERULEAN_KEY_ROTATION_DAYS", "7"),
    ]))
    .unwrap();
    c.validate().unwrap();
    assert_eq!(c.authority.access_token_lifetime_secs, 5400);
    assert_eq!(c.authority.refresh_token_lifetime_days, 14);
    assert_eq!(c.authority.key_rotation_days, 7);

    let err = c
        .apply_env(env(&[("CERULEAN_KEY_ROTATION_DAYS", "soon")]))
        .unwrap_err();
    assert!(
        err.to_string().contains("CERULEAN_KEY_ROTATION_DAYS"),
        "{err}"
    );

    let mut c = Config::default();
    c.apply_env(env(&[("CERULEAN_ACCESS_TOKEN_LIFETIME_SECS", "10")]))
        .unwrap();
    let err = c.validate().unwrap_err().to_string();
    assert!(
        err.contains("CERULEAN_ACCESS_TOKEN_LIFETIME_SECS")
            && err.contains("authority.access_token_lifetime_secs")
            && err.contains("between 300 and 86400"),
        "{err}"
    );
    let c = Config::from_toml_str("[authority]\ndevice_code_interval_secs = 0\n", "f").unwrap();
    assert!(c.validate().is_err());
}
