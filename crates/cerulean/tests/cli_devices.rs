//! `cerulean admin device …` and `cerulean admin device-policy …` with the real binary,
//! offline against the store. Devices are registered through the directory on the same
//! database (as the DRS would), with self-signed stand-in certificates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use cerulean_crypto::{PasswordParams, RsaPrivateKey, self_signed_signing_certificate};
use cerulean_directory::{
    ActionContext, Actor, Device, Directory, ManualClock, RegisterDevice, TrustType, device,
};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

fn cerulean(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cerulean"));
    cmd.arg("--data-dir").arg(data_dir);
    for var in [
        "CERULEAN_CONFIG",
        "CERULEAN_DATABASE_URL",
        "CERULEAN_DATA_DIR",
        "CERULEAN_LISTEN",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("CERULEAN_ARGON2_MEMORY_KIB", "64");
    cmd
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    ok_with(dir, args, None)
}

fn ok_with(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = run(cerulean(dir).args(args), stdin);
    assert!(
        out.status.success(),
        "{args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &all)).unwrap()
}

/// Fails with a one-line error; returns it.
fn fails(dir: &Path, args: &[&str]) -> String {
    let err = usage_error(dir, args);
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    err
}

/// Fails (clap's usage errors take several lines); returns the error output.
fn usage_error(dir: &Path, args: &[&str]) -> String {
    let out = run(cerulean(dir).args(args), None);
    assert!(!out.status.success(), "{args:?} unexpectedly succeeded");
    String::from_utf8(out.stderr).unwrap()
}

fn args_with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = base.to_vec();
    args.extend_from_slice(extra);
    args
}

fn ops() -> ActionContext {
    ActionContext::new(Actor::Operator("cli-test".into()))
}

/// The store the binary uses, with a clock at `now`.
async fn directory_at(dir: &Path, now: OffsetDateTime) -> Directory {
    let url = format!("sqlite://{}", dir.join("cerulean.db").display());
    let store = cerulean_store::open_store(&url).await.unwrap();
    let params = PasswordParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    Directory::new(store, Arc::new(ManualClock::new(now)), params).unwrap()
}

async fn register(
    directory: &Directory,
    upn: &str,
    trust: TrustType,
    name: &str,
    os: &str,
) -> Device {
    let owner = directory.user_by_upn(upn).await.unwrap().unwrap();
    let key = RsaPrivateKey::generate(2048).unwrap();
    let spki = key.public_key().to_spki_der();
    let now = directory.clock().now();
    let request = RegisterDevice {
        tenant: owner.tenant_id,
        user: owner.id,
        amr: vec!["pwd".into()],
        trust_type: trust,
        reuse_device: None,
        display_name: name.into(),
        operating_system: os.into(),
        operating_system_version: "10.0".into(),
        cert_public_key_spki: spki.clone(),
        transport_key_spki: spki.clone(),
        request_fingerprint: device::hello_key_hash(&spki),
    };
    directory
        .register_device(&ops(), request, |cert| {
            Ok(self_signed_signing_certificate(
                &key,
                &cert.device_id.to_string(),
                now - Duration::minutes(5),
                now + Duration::days(365),
            )?)
        })
        .await
        .unwrap()
        .unwrap()
        .device
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["displayName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn device_commands_list_show_enable_disable_delete() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "admin",
            "tenant",
            "create",
            "--name",
            "Fabrikam",
            "--domain",
            "fabrikam.test",
        ],
    );
    for upn in ["carol@fabrikam.test", "dave@fabrikam.test"] {
        ok(d, &["admin", "user", "add", upn, "--generate-password"]);
    }
    let now = OffsetDateTime::now_utc();
    let (pc, phone) = {
        let directory = directory_at(d, now).await;
        let pc = register(
            &directory,
            "carol@fabrikam.test",
            TrustType::AzureAd,
            "CAROL-PC",
            "Windows",
        )
        .await;
        let phone = register(
            &directory,
            "carol@fabrikam.test",
            TrustType::Workplace,
            "CAROL-PHONE",
            "iOS",
        )
        .await;
        (pc, phone)
    };
    let old = {
        let directory = directory_at(d, now - Duration::days(100)).await;
        register(
            &directory,
            "dave@fabrikam.test",
            TrustType::AzureAd,
            "DAVE-OLD",
            "Linux",
        )
        .await
    };

    let all = json(d, &["admin", "device", "list", "--tenant", "fabrikam.test"]);
    assert_eq!(names(&all), ["CAROL-PC", "CAROL-PHONE", "DAVE-OLD"]);
    let first = &all[0];
    assert!(
        first["deviceId"].is_string() && first["trustType"].is_string(),
        "{first}"
    );
    let table = ok(d, &["admin", "device", "list", "--tenant", "fabrikam.test"]);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("carol@fabrikam.test") && table.contains("Workplace"),
        "{table}"
    );

    let joined = json(
        d,
        &[
            "admin",
            "device",
            "list",
            "--tenant",
            "fabrikam.test",
            "--trust-type",
            "joined",
        ],
    );
    assert_eq!(names(&joined), ["CAROL-PC", "DAVE-OLD"]);
    let registered = json(
        d,
        &[
            "admin",
            "device",
            "list",
            "--tenant",
            "fabrikam.test",
            "--filter-trust-type",
            "Workplace",
        ],
    );
    assert_eq!(names(&registered), ["CAROL-PHONE"]);
    let stale = json(
        d,
        &[
            "admin",
            "device",
            "list",
            "--tenant",
            "fabrikam.test",
            "--stale-days",
            "30",
        ],
    );
    assert_eq!(names(&stale), ["DAVE-OLD"]);

    // Show by device id and by object id.
    let device_id = pc.device_id.to_string();
    let object_id = pc.object_id.to_string();
    for key in [&device_id, &object_id] {
        let shown = json(
            d,
            &["admin", "device", "show", "--tenant", "fabrikam.test", key],
        );
        assert_eq!(shown["deviceId"], device_id);
        assert_eq!(shown["id"], object_id);
    }
    let shown = ok(
        d,
        &[
            "admin",
            "device",
            "show",
            "--tenant",
            "fabrikam.test",
            &device_id,
        ],
    );
    assert!(
        shown.contains("CAROL-PC") && shown.contains("enabled"),
        "{shown}"
    );

    let disabled = json(
        d,
        &[
            "admin",
            "device",
            "disable",
            "--tenant",
            "fabrikam.test",
            &device_id,
        ],
    );
    assert_eq!(disabled["accountEnabled"], false);
    let listed = json(d, &["admin", "device", "list", "--tenant", "fabrikam.test"]);
    let pc_row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == object_id)
        .unwrap();
    assert_eq!(pc_row["accountEnabled"], false);
    let enabled = json(
        d,
        &[
            "admin",
            "device",
            "enable",
            "--tenant",
            "fabrikam.test",
            &object_id,
        ],
    );
    assert_eq!(enabled["accountEnabled"], true);

    let deleted = json(
        d,
        &[
            "admin",
            "device",
            "delete",
            "--tenant",
            "fabrikam.test",
            &phone.device_id.to_string(),
        ],
    );
    assert_eq!(deleted["deleted"], true);
    let err = fails(
        d,
        &[
            "admin",
            "device",
            "show",
            "--tenant",
            "fabrikam.test",
            &phone.device_id.to_string(),
        ],
    );
    assert!(err.contains("no device"), "{err}");
    let err = fails(
        d,
        &[
            "admin",
            "device",
            "show",
            "--tenant",
            "fabrikam.test",
            "CAROL-PC",
        ],
    );
    assert!(err.contains("not a device id"), "{err}");
    let err = fails(
        d,
        &[
            "admin",
            "device",
            "disable",
            "--tenant",
            "nowhere.test",
            &old.device_id.to_string(),
        ],
    );
    assert!(err.contains("no tenant"), "{err}");

    let audit = ok(
        d,
        &[
            "admin",
            "audit",
            "list",
            "--tenant",
            "fabrikam.test",
            "--action",
            "device.",
        ],
    );
    for action in ["device.disable", "device.enable", "device.delete"] {
        assert!(audit.contains(action), "{action} missing: {audit}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn device_policy_show_and_set() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "admin",
            "tenant",
            "create",
            "--name",
            "Fabrikam",
            "--domain",
            "fabrikam.test",
        ],
    );
    ok(
        d,
        &[
            "admin",
            "user",
            "add",
            "carol@fabrikam.test",
            "--generate-password",
        ],
    );
    ok(
        d,
        &[
            "admin",
            "group",
            "create",
            "--tenant",
            "fabrikam.test",
            "--name",
            "Pilots",
        ],
    );
    let show = [
        "admin",
        "device-policy",
        "show",
        "--tenant",
        "fabrikam.test",
    ];

    let policy = json(d, &show);
    assert_eq!(policy["id"], "deviceRegistrationPolicy");
    assert_eq!(policy["userDeviceQuota"], 50);
    assert_eq!(policy["multiFactorAuthConfiguration"], "notRequired");
    let text = ok(d, &show);
    assert!(
        text.contains("all users") && text.contains("not required"),
        "{text}"
    );

    let set = [
        "admin",
        "device-policy",
        "set",
        "--tenant",
        "fabrikam.test",
        "--quota",
        "10",
        "--mfa",
        "required",
        "--join",
        "selected",
        "--join-users",
        "carol@fabrikam.test",
        "--join-groups",
        "Pilots",
        "--register",
        "none",
        "--local-admin-global-admins",
        "false",
        "--local-admin-registering-users",
        "none",
        "--laps",
        "true",
    ];
    let stored = json(d, &set);
    assert_eq!(stored["userDeviceQuota"], 10);
    assert_eq!(stored["multiFactorAuthConfiguration"], "required");
    let join = &stored["azureADJoin"];
    assert_eq!(
        join["allowedToJoin"]["@odata.type"],
        "#microsoft.graph.enumeratedDeviceRegistrationMembership"
    );
    assert_eq!(join["allowedToJoin"]["users"].as_array().unwrap().len(), 1);
    assert_eq!(join["allowedToJoin"]["groups"].as_array().unwrap().len(), 1);
    assert_eq!(join["localAdmins"]["enableGlobalAdmins"], false);
    assert_eq!(
        stored["azureADRegistration"]["allowedToRegister"]["@odata.type"],
        "#microsoft.graph.noDeviceRegistrationMembership"
    );
    assert_eq!(stored["localAdminPassword"]["isEnabled"], true);
    let text = ok(d, &show);
    assert!(
        text.contains("selected: carol@fabrikam.test, group Pilots"),
        "{text}"
    );
    assert_eq!(json(d, &show), stored);

    // Only what is given changes; lists without --join imply `selected`.
    let stored = json(
        d,
        &[
            "admin",
            "device-policy",
            "set",
            "--tenant",
            "fabrikam.test",
            "--join-groups",
            "Pilots",
        ],
    );
    assert_eq!(stored["userDeviceQuota"], 10);
    assert_eq!(
        stored["azureADJoin"]["allowedToJoin"]["users"],
        serde_json::json!([])
    );

    // Refusals, each with a one-line reason.
    let base = ["admin", "device-policy", "set", "--tenant", "fabrikam.test"];
    let with = |extra: &[&str]| fails(d, &args_with(&base, extra));
    assert!(with(&[]).contains("nothing to change"));
    assert!(with(&["--join", "all", "--join-users", "carol@fabrikam.test"]).contains("selected"));
    assert!(with(&["--join", "selected"]).contains("--join-users"));
    assert!(with(&["--join-users", "nobody@fabrikam.test"]).contains("nobody@fabrikam.test"));
    assert!(with(&["--register-groups", "Nope"]).contains("Nope"));
    assert!(usage_error(d, &args_with(&base, &["--quota", "-1"])).contains("-1"));

    // The whole policy from Graph JSON: a file, then standard input.
    let mut document = json(d, &show);
    document["userDeviceQuota"] = serde_json::json!(3);
    document["azureADJoin"]["allowedToJoin"] =
        serde_json::json!({ "@odata.type": "#microsoft.graph.allDeviceRegistrationMembership" });
    let file = d.join("policy.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let mut args = base.to_vec();
    args.extend_from_slice(&["--from-file", file.to_str().unwrap()]);
    let stored = json(d, &args);
    assert_eq!(stored["userDeviceQuota"], 3);
    assert_eq!(
        stored["azureADJoin"]["allowedToJoin"]["@odata.type"],
        "#microsoft.graph.allDeviceRegistrationMembership"
    );
    document["userDeviceQuota"] = serde_json::json!(4);
    let mut args = vec!["--json"];
    args.extend_from_slice(&base);
    args.extend_from_slice(&["--from-file", "-"]);
    let out = ok_with(d, &args, Some(&document.to_string()));
    let stored: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stored["userDeviceQuota"], 4);

    document["azureADJoin"]["allowedToJoin"] = serde_json::json!({
        "@odata.type": "#microsoft.graph.enumeratedDeviceRegistrationMembership",
        "users": ["2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f"],
    });
    std::fs::write(&file, document.to_string()).unwrap();
    let err = with(&["--from-file", file.to_str().unwrap()]);
    assert!(
        err.contains("2c1d0e9f-8a7b-4c6d-9e5f-4a3b2c1d0e9f"),
        "{err}"
    );
    std::fs::write(&file, r#"{"frob": 1}"#).unwrap();
    let err = with(&["--from-file", file.to_str().unwrap()]);
    assert!(err.contains("frob"), "{err}");
    let err = usage_error(
        d,
        &args_with(
            &base,
            &["--from-file", file.to_str().unwrap(), "--quota", "5"],
        ),
    );
    assert!(err.contains("cannot be used with"), "{err}");
    assert_eq!(json(d, &show)["userDeviceQuota"], 4);
}
