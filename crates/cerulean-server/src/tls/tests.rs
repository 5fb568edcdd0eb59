use std::os::unix::fs::PermissionsExt as _;

use cerulean_crypto::CertificateAuthority;

use rustls::server::danger::ClientCertVerifier as _;

use super::*;

fn config_in(dir: &Path, hosts: &[&str]) -> Config {
    let mut config = Config::default();
    config.data.dir = dir.join("data");
    config.server.hosts = hosts.iter().map(|h| (*h).to_owned()).collect();
    config
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn mode(path: PathBuf) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn generates_once_and_reuses() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path(), &["localhost", "127.0.0.1"]);
    let first = prepare_tls(&config).unwrap();
    assert!(first.generated);
    let tls = config.tls_dir();
    assert_eq!(
        first.ca_pem_path.as_deref(),
        Some(tls.join("ca.pem").as_path())
    );
    assert_eq!(mode(tls.join("ca.key")), 0o600);
    assert_eq!(mode(tls.join("server.key")), 0o600);
    assert_eq!(mode(tls.clone()), 0o700);
    assert_eq!(
        first.server_config.alpn_protocols,
        [b"h2".to_vec(), b"http/1.1".to_vec()]
    );

    let (ca, server) = (read(tls.join("ca.pem")), read(tls.join("server.pem")));
    let info = parse_certificate_info(&certificate_der(&server)).unwrap();
    assert!(info.covers_host("localhost") && info.covers_host("127.0.0.1"));

    prepare_tls(&config).unwrap();
    assert_eq!(read(tls.join("ca.pem")), ca, "CA must be kept");
    assert_eq!(
        read(tls.join("server.pem")),
        server,
        "server cert must be reused"
    );
}

#[test]
fn changed_hosts_reissue_with_the_same_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path(), &["localhost"]);
    prepare_tls(&config).unwrap();
    let tls = config.tls_dir();
    let (ca, server) = (read(tls.join("ca.pem")), read(tls.join("server.pem")));

    let config = config_in(tmp.path(), &["localhost", "login.contoso.test"]);
    prepare_tls(&config).unwrap();
    assert_eq!(read(tls.join("ca.pem")), ca);
    let reissued = read(tls.join("server.pem"));
    assert_ne!(reissued, server);
    let info = parse_certificate_info(&certificate_der(&reissued)).unwrap();
    assert!(info.covers_host("login.contoso.test"));

    // Same set in another order and case: no reissue.
    let config = config_in(tmp.path(), &["LOGIN.contoso.test", "localhost"]);
    prepare_tls(&config).unwrap();
    assert_eq!(read(tls.join("server.pem")), reissued);
}

#[test]
fn nearly_expired_certificate_is_reissued() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path(), &["localhost"]);
    prepare_tls(&config).unwrap();
    let tls = config.tls_dir();
    let ca = CertificateAuthority::from_pem(
        &read(tls.join("ca.pem")),
        read(tls.join("ca.key")).as_str(),
    )
    .unwrap();
    let short = ca
        .issue_server_certificate(&["localhost".to_owned()], 10)
        .unwrap();
    std::fs::write(tls.join("server.pem"), &short.cert_pem).unwrap();
    std::fs::write(tls.join("server.key"), short.key_pem.expose()).unwrap();

    prepare_tls(&config).unwrap();
    let renewed = read(tls.join("server.pem"));
    assert_ne!(renewed, short.cert_pem);
    let info = parse_certificate_info(&certificate_der(&renewed)).unwrap();
    assert!(info.not_after > OffsetDateTime::now_utc() + Duration::days(300));
}

#[test]
fn missing_ca_key_is_an_error_not_a_new_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path(), &["localhost"]);
    prepare_tls(&config).unwrap();
    std::fs::remove_file(config.tls_dir().join("ca.key")).unwrap();
    let err = prepare_tls(&config).unwrap_err().to_string();
    assert!(err.contains("ca.key is missing"), "{err}");
}

#[test]
fn unwritable_data_dir_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    // A regular file where the data directory should be: fails even for root.
    let blocker = tmp.path().join("data");
    std::fs::write(&blocker, "").unwrap();
    let config = config_in(tmp.path(), &["localhost"]);
    let err = prepare_tls(&config).unwrap_err().to_string();
    assert!(
        err.contains(&blocker.join("tls").display().to_string()),
        "{err}"
    );
    assert!(
        err.contains("fix its permissions or pass --data-dir"),
        "{err}"
    );
}

#[test]
fn operator_files_are_loaded_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::generate("Operator CA", 30).unwrap();
    let leaf = ca
        .issue_server_certificate(&["login.contoso.test".to_owned()], 20)
        .unwrap();
    let cert_file = tmp.path().join("server.pem");
    let key_file = tmp.path().join("server.key");
    std::fs::write(&cert_file, format!("{}{}", leaf.cert_pem, ca.cert_pem())).unwrap();
    std::fs::write(&key_file, leaf.key_pem.expose()).unwrap();

    let mut config = config_in(tmp.path(), &["login.contoso.test"]);
    config.tls.cert_file = Some(cert_file.clone());
    config.tls.key_file = Some(key_file.clone());
    let material = prepare_tls(&config).unwrap();
    assert!(!material.generated);
    assert_eq!(material.ca_pem_path, None);
    assert_eq!(material.cert_resolver.current().cert.len(), 2);
    assert!(
        !config.tls_dir().exists(),
        "nothing generated with operator files"
    );

    // A key that belongs to another certificate.
    let other = ca
        .issue_server_certificate(&["login.contoso.test".to_owned()], 20)
        .unwrap();
    std::fs::write(&key_file, other.key_pem.expose()).unwrap();
    let err = prepare_tls(&config).unwrap_err().to_string();
    assert!(
        err.contains("server.key is not a valid key for the server certificate"),
        "{err}"
    );

    // Garbage instead of PEM.
    std::fs::write(&cert_file, "hello").unwrap();
    let err = prepare_tls(&config).unwrap_err().to_string();
    assert!(
        err.contains("server.pem is not a valid certificate chain"),
        "{err}"
    );

    std::fs::remove_file(&cert_file).unwrap();
    let err = prepare_tls(&config).unwrap_err().to_string();
    assert!(err.starts_with("cannot read certificate chain"), "{err}");
}

#[test]
fn client_cas_can_be_added_and_removed_at_run_time() {
    let tmp = tempfile::tempdir().unwrap();
    let config = config_in(tmp.path(), &["localhost"]);
    let material = prepare_tls(&config).unwrap();
    let verifier = DynamicClientVerifier::new(material.client_cas.clone());
    assert!(material.client_cas.is_empty());
    assert!(
        !verifier.offer_client_auth(),
        "no CAs: no certificate requested"
    );

    let ca = CertificateAuthority::generate("Tenant device CA", 30).unwrap();
    material
        .client_cas
        .set(
            "tenant-a",
            vec![CertificateDer::from(ca.cert_der().to_vec())],
        )
        .unwrap();
    assert_eq!(material.client_cas.len(), 1);
    assert!(verifier.offer_client_auth());
    assert!(!verifier.client_auth_mandatory(), "never required");

    let bad = material
        .client_cas
        .set("tenant-b", vec![CertificateDer::from(vec![1, 2, 3])]);
    assert!(bad.is_err());
    assert_eq!(material.client_cas.len(), 1, "a failed set changes nothing");

    material.client_cas.remove("tenant-a").unwrap();
    assert!(!verifier.offer_client_auth());
}

#[test]
fn client_ca_file_is_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::generate("Extra client CA", 30).unwrap();
    let path = tmp.path().join("client-ca.pem");
    std::fs::write(&path, ca.cert_pem()).unwrap();
    let mut config = config_in(tmp.path(), &["localhost"]);
    config.tls.client_ca_file = Some(path);
    let material = prepare_tls(&config).unwrap();
    assert_eq!(material.client_cas.len(), 1);
    assert!(DynamicClientVerifier::new(material.client_cas.clone()).offer_client_auth());
}

fn certificate_der(pem: &str) -> Vec<u8> {
    cerulean_crypto::certificate_der_from_pem(pem).unwrap()
}
