//! After setup: the server's verdict on a disabled or deleted device, PRT renewal,
//! leaving, re-joining only on request, and sign-in from another device.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cerulean_device::DeviceError;
use cerulean_device::manage::{self, Left, Standing};
use cerulean_device::oobe::{Credential, Oobe, Outcome, Progress};
use cerulean_device::state::{JoinKind, ServerVerdict, StateDir};
use cerulean_proto::oauth2::DeviceCodeResponse;
use cerulean_testkit::{TestServer, TestServerOptions};
use support::*;

async fn joined(server: &TestServer) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    oobe(dir.path(), server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap();
    dir
}

#[tokio::test]
async fn a_disabled_device_learns_it_and_does_not_set_itself_up_again() {
    let server = TestServer::start().await.unwrap();
    let dir = joined(&server).await;
    let trust = trust(&server);
    assert_eq!(
        manage::check(dir.path(), &trust).await.unwrap(),
        Standing::Good
    );
    manage::renew(dir.path(), &trust).await.unwrap();

    let device = devices_of(&server, ALICE).await.remove(0);
    set_enabled(&server, &device, false).await;

    assert_eq!(
        manage::check(dir.path(), &trust).await.unwrap(),
        Standing::Disabled
    );
    let state = StateDir::open(dir.path()).unwrap().load().unwrap().unwrap();
    assert_eq!(state.verdict, Some(ServerVerdict::Disabled));
    let renewal = manage::renew(dir.path(), &trust).await.unwrap_err();
    assert!(
        matches!(renewal, DeviceError::DeviceDisabled),
        "{renewal:?}"
    );

    // Running setup again does not quietly enroll a new device.
    let again = oobe(dir.path(), &server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap_err();
    assert!(matches!(again, DeviceError::DeviceDisabled), "{again:?}");
    assert!(again.next_step().contains("--rejoin"));
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);

    // The explicit re-join forgets the old join and makes a new device.
    manage::forget(dir.path()).unwrap();
    oobe(dir.path(), &server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap();
    let devices = devices_of(&server, ALICE).await;
    assert_eq!(devices.len(), 2);
    assert!(
        devices
            .iter()
            .any(|d| d.enabled && d.device_id != device.device_id)
    );
}

#[tokio::test]
async fn a_deleted_device_is_told_so() {
    let server = TestServer::start().await.unwrap();
    let dir = joined(&server).await;
    let device = devices_of(&server, ALICE).await.remove(0);
    delete(&server, device.tenant_id, device.object_id).await;
    assert_eq!(
        manage::check(dir.path(), &trust(&server)).await.unwrap(),
        Standing::Deleted
    );
    let e = oobe(dir.path(), &server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap_err();
    assert!(matches!(e, DeviceError::DeviceDeleted), "{e:?}");
}

#[tokio::test]
async fn leaving_deletes_the_device_and_every_local_trace() {
    let server = TestServer::start().await.unwrap();
    let dir = joined(&server).await;
    let left = manage::leave(dir.path(), &trust(&server), false)
        .await
        .unwrap();
    assert_eq!(left, Left::Deleted);
    assert!(devices_of(&server, ALICE).await.is_empty());
    let remaining: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(remaining.is_empty(), "left behind: {remaining:?}");
    let e = manage::leave(dir.path(), &trust(&server), false)
        .await
        .unwrap_err();
    assert!(matches!(e, DeviceError::NotJoined), "{e:?}");
}

#[tokio::test]
async fn a_disabled_device_cannot_leave_by_itself() {
    let server = TestServer::start().await.unwrap();
    let dir = joined(&server).await;
    let device = devices_of(&server, ALICE).await.remove(0);
    set_enabled(&server, &device, false).await;
    let e = manage::leave(dir.path(), &trust(&server), false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("--local"), "{e}");
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);
    assert!(
        StateDir::open(dir.path())
            .unwrap()
            .load()
            .unwrap()
            .is_some()
    );
    assert_eq!(
        manage::leave(dir.path(), &trust(&server), true)
            .await
            .unwrap(),
        Left::LocalOnly
    );
    assert!(
        StateDir::open(dir.path())
            .unwrap()
            .load()
            .unwrap()
            .is_none()
    );
}

/// Approves device codes in the store as the verification page would after alice signs in.
struct ApproveAs {
    server: Arc<TestServer>,
    seen: Mutex<Vec<String>>,
}

impl Progress for ApproveAs {
    fn device_code(&self, code: &DeviceCodeResponse) {
        self.seen.lock().unwrap().push(code.user_code.clone());
        let server = self.server.clone();
        let user_code = code.user_code.clone();
        tokio::spawn(async move { approve_device_code(&server, ALICE, &user_code).await });
    }
}

#[tokio::test]
async fn an_input_less_device_signs_in_from_another_device() {
    let server = Arc::new(TestServer::start().await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let progress = Arc::new(ApproveAs {
        server: server.clone(),
        seen: Mutex::new(Vec::new()),
    });
    let mut oobe = Oobe::new(setup(dir.path(), &server), progress.clone()).unwrap();
    let outcome = oobe
        .run(Credential::DeviceCode, JoinKind::Join)
        .await
        .unwrap();
    assert_eq!(progress.seen.lock().unwrap().len(), 1);
    assert!(
        matches!(outcome, Outcome::Desktop { ref upn, .. } if upn == ALICE),
        "{outcome:?}"
    );
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);
    let prt = StateDir::open(dir.path())
        .unwrap()
        .load_prt()
        .unwrap()
        .unwrap();
    assert!(prt.mfa, "the PRT carries the MFA of the browser sign-in");
}

/// The network drops before setup starts and comes back while the device is retrying:
/// setup finishes with one device, and the retries were shown.
#[tokio::test]
async fn setup_waits_for_the_network_to_come_back() {
    let data = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let options = || TestServerOptions {
        fixtures: false,
        data_dir: Some(data.path().to_path_buf()),
        https_port: Some(port),
        ..TestServerOptions::default()
    };
    let first = TestServer::start_with(TestServerOptions {
        fixtures: true,
        ..options()
    })
    .await
    .unwrap();
    let mut device_setup = setup(data.path().join("device").as_path(), &first);
    device_setup.retry.give_up_after = Duration::from_secs(30);
    first.stop().await;

    struct Retries(Mutex<Vec<String>>);
    impl Progress for Retries {
        fn retrying(&self, _: cerulean_device::oobe::Step, e: &DeviceError, _: Duration) {
            self.0.lock().unwrap().push(e.to_string());
        }
    }
    let retries = Arc::new(Retries(Mutex::new(Vec::new())));
    let mut oobe = Oobe::new(device_setup, retries.clone()).unwrap();
    let device = tokio::spawn(async move { oobe.run(password(ALICE), JoinKind::Join).await });

    // Wait until the device has seen the outage, then bring the server back.
    while retries.0.lock().unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = TestServer::start_with(options()).await.unwrap();
    let outcome = device.await.unwrap().unwrap();
    assert!(matches!(outcome, Outcome::Desktop { .. }));
    assert_eq!(devices_of(&second, ALICE).await.len(), 1);
    let seen = retries.0.lock().unwrap().clone();
    assert!(seen.iter().all(|m| m.contains("can't reach")), "{seen:?}");
}
