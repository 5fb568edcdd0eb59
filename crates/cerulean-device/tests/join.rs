//! The headless OOBE against a real server: managed join to the desktop, registration,
//! editions, federated realms, retries and re-runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use cerulean_device::DeviceError;
use cerulean_device::oobe::{Credential, Outcome};
use cerulean_device::state::{Edition, JoinKind, Namespace, Phase, StateDir};
use cerulean_directory::TrustType;
use cerulean_testkit::TestServer;
use support::*;

#[tokio::test]
async fn a_managed_user_joins_and_lands_on_the_desktop() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut oobe = oobe(dir.path(), &server);
    let outcome = oobe.run(password(ALICE), JoinKind::Join).await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Desktop {
            upn: ALICE.into(),
            tenant_name: "Contoso".into()
        }
    );

    let devices = devices_of(&server, ALICE).await;
    assert_eq!(devices.len(), 1);
    let device = &devices[0];
    assert_eq!(device.trust_type, TrustType::AzureAd);
    assert!(device.enabled);

    let state_dir = StateDir::open(dir.path()).unwrap();
    let state = state_dir.load().unwrap().unwrap();
    assert_eq!(state.phase, Phase::Complete);
    let registration = state.registration.unwrap();
    assert_eq!(registration.device_id, device.device_id.to_string());
    assert_eq!(registration.thumbprint, device.cert_thumbprint);
    assert_eq!(registration.tenant_id, device.tenant_id.to_string());
    assert!(
        state_dir.load_prt().unwrap().is_some(),
        "automatic sign-in needs a PRT"
    );
}

#[tokio::test]
async fn running_setup_again_after_it_finished_changes_nothing() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    oobe(dir.path(), &server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap();
    let again = oobe(dir.path(), &server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap();
    assert!(matches!(again, Outcome::Desktop { .. }));
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);

    let other = oobe(dir.path(), &server)
        .run(password("bob@contoso.test"), JoinKind::Join)
        .await
        .unwrap_err();
    assert!(
        matches!(other, DeviceError::AlreadyJoined { .. }),
        "{other:?}"
    );
}

#[tokio::test]
async fn home_edition_cannot_join_but_can_register() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut setup = setup(dir.path(), &server);
    setup.edition = Edition::Home;
    let mut oobe =
        cerulean_device::oobe::Oobe::new(setup, std::sync::Arc::new(cerulean_device::oobe::Silent))
            .unwrap();
    let refused = oobe.run(password(ALICE), JoinKind::Join).await.unwrap_err();
    assert!(
        matches!(refused, DeviceError::EditionCannotJoin { .. }),
        "{refused:?}"
    );
    assert!(devices_of(&server, ALICE).await.is_empty());

    oobe.run(password(ALICE), JoinKind::Register).await.unwrap();
    let devices = devices_of(&server, ALICE).await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].trust_type, TrustType::Workplace);
}

#[tokio::test]
async fn a_wrong_password_is_explained_and_nothing_is_registered() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = oobe(dir.path(), &server)
        .run(
            Credential::Password {
                upn: ALICE.into(),
                password: cerulean_crypto::SecretString::new("wrong".into()),
            },
            JoinKind::Join,
        )
        .await
        .unwrap_err();
    assert_eq!(e.aadsts_codes(), &[50126]);
    assert!(
        e.to_string().contains("account or password is incorrect"),
        "{e}"
    );
    assert!(devices_of(&server, ALICE).await.is_empty());
    let state = StateDir::open(dir.path()).unwrap().load().unwrap().unwrap();
    assert!(state.phase < Phase::JoinRequested, "{:?}", state.phase);

    // The right password then finishes the same setup, with the same keys.
    oobe(dir.path(), &server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap();
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);
}

#[tokio::test]
async fn a_locked_account_is_explained_and_nothing_is_registered() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wrong = || Credential::Password {
        upn: ALICE.into(),
        password: cerulean_crypto::SecretString::new("wrong".into()),
    };
    // Ten failures trip the server's smart lockout.
    for _ in 0..10 {
        let e = oobe(dir.path(), &server)
            .run(wrong(), JoinKind::Join)
            .await
            .unwrap_err();
        assert_eq!(e.aadsts_codes(), &[50126]);
    }
    // Now even the right password is refused, in plain words, with what to do next.
    let e = oobe(dir.path(), &server)
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap_err();
    assert_eq!(e.aadsts_codes(), &[50053]);
    assert!(e.to_string().contains("your account is locked"), "{e}");
    assert!(
        e.next_step().contains("Wait a few minutes"),
        "{}",
        e.next_step()
    );
    assert!(devices_of(&server, ALICE).await.is_empty());
    let state = StateDir::open(dir.path()).unwrap().load().unwrap().unwrap();
    assert!(state.phase < Phase::JoinRequested, "{:?}", state.phase);
}

#[tokio::test]
async fn an_unknown_domain_is_reported() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = oobe(dir.path(), &server)
        .run(password("someone@nowhere.test"), JoinKind::Join)
        .await
        .unwrap_err();
    assert!(matches!(e, DeviceError::UnknownRealm { .. }), "{e:?}");
}

/// A federated realm: a password typed on the device is not sent to Cerulean; with a DRS
/// token from the organization's identity provider the device joins and then shows the
/// Windows sign-in screen (no PRT from setup). The token here is obtained while the domain
/// is still managed, standing in for the identity provider until federation sign-in exists.
#[tokio::test]
async fn a_federated_user_joins_and_reaches_the_sign_in_screen() {
    let server = TestServer::start().await.unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&server.ca_path).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let body: serde_json::Value = http
        .post(format!("{}/contoso.test/oauth2/token", server.base_url()))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "29d9ed98-a469-4536-ade2-f981bc1d605e"),
            ("resource", "urn:ms-drs:enterpriseregistration.windows.net"),
            ("username", ALICE),
            ("password", cerulean_testkit::FIXTURE_PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let drs_token = body["access_token"].as_str().unwrap().to_string();

    federate_contoso(&server).await;

    let dir = tempfile::tempdir().unwrap();
    let oobe_ = oobe(dir.path(), &server);
    let realm = oobe_.discover_realm(ALICE).await.unwrap();
    assert_eq!(realm.namespace, Namespace::Federated);
    assert!(realm.federation_auth_url.is_some());

    let mut with_password = oobe(dir.path(), &server);
    let e = with_password
        .run(password(ALICE), JoinKind::Join)
        .await
        .unwrap_err();
    assert!(
        matches!(e, DeviceError::FederatedSignInRequired { .. }),
        "{e:?}"
    );
    assert!(devices_of(&server, ALICE).await.is_empty());

    let outcome = oobe(dir.path(), &server)
        .run(
            Credential::AccessToken {
                upn: ALICE.into(),
                drs_token,
            },
            JoinKind::Join,
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, Outcome::SignInScreen { .. }),
        "{outcome:?}"
    );
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);
    assert!(
        StateDir::open(dir.path())
            .unwrap()
            .load_prt()
            .unwrap()
            .is_none()
    );
}
