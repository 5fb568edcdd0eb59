//! Realm discovery responses against fixtures (PROTOCOLS.md §1, INTEROP.md §4.4 item 1, §5.2).

use cerulean_proto::realm::{
    BrandingFacts, CredentialFacts, FederationFacts, FederationProtocol, GetCredentialTypeRequest,
    GetCredentialTypeResponse, GetUserRealmSrf, IfExistsResult, NamespaceType, RealmFacts,
    UserRealmV1, UserRealmV2,
};
use serde_json::Value;

const HOST: &str = "127.0.0.1:8443";

fn managed() -> RealmFacts {
    RealmFacts {
        upn: "alice@contoso.test".into(),
        domain: "contoso.test".into(),
        namespace: NamespaceType::Managed,
        brand_name: Some("Contoso".into()),
        cloud_instance_name: HOST.into(),
        federation: None,
        branding: vec![BrandingFacts {
            locale: 0,
            banner_logo: Some("https://127.0.0.1:8443/branding/banner.png".into()),
            background_color: Some("#0050A0".into()),
            user_id_label: Some("someone@contoso.test".into()),
            ..BrandingFacts::default()
        }],
    }
}

fn federated() -> RealmFacts {
    RealmFacts {
        upn: "bob@fabrikam.test".into(),
        domain: "fabrikam.test".into(),
        namespace: NamespaceType::Federated,
        brand_name: Some("Fabrikam".into()),
        cloud_instance_name: HOST.into(),
        federation: Some(FederationFacts {
            protocol: FederationProtocol::WsTrust,
            metadata_url: "https://sts.fabrikam.test/adfs/services/trust/mex".into(),
            active_auth_url: "https://sts.fabrikam.test/adfs/services/trust/2005/usernamemixed"
                .into(),
            passive_auth_url: "https://sts.fabrikam.test/adfs/ls/".into(),
        }),
        branding: vec![],
    }
}

fn unknown() -> RealmFacts {
    RealmFacts {
        upn: "x@nowhere.test".into(),
        domain: "nowhere.test".into(),
        namespace: NamespaceType::Unknown,
        brand_name: None,
        cloud_instance_name: HOST.into(),
        federation: None,
        branding: vec![],
    }
}

/// Deserialises `v` as the type of `_like`.
fn parse_like<T: serde::de::DeserializeOwned>(_like: &T, v: Value) -> serde_json::Result<T> {
    serde_json::from_value(v)
}

/// Serialises `value`, compares with the fixture, and parses the fixture back into `value`.
macro_rules! check {
    ($value:expr, $fixture:expr $(,)?) => {{
        let value = $value; // a reference
        let expected: Value = serde_json::from_str($fixture).unwrap();
        assert_eq!(serde_json::to_value(value).unwrap(), expected);
        let back = parse_like(value, expected).unwrap();
        assert_eq!(&back, value);
    }};
}

#[test]
fn v1_shapes() {
    check!(
        &UserRealmV1::from_facts(&managed()),
        include_str!("data/realm/v1_managed.json"),
    );
    check!(
        &UserRealmV1::from_facts(&federated()),
        include_str!("data/realm/v1_federated.json"),
    );
    check!(
        &UserRealmV1::from_facts(&unknown()),
        include_str!("data/realm/v1_unknown.json"),
    );
}

#[test]
fn v1_always_has_account_type() {
    // roadtx dies with KeyError without it.
    for facts in [managed(), federated(), unknown()] {
        let v = serde_json::to_value(UserRealmV1::from_facts(&facts)).unwrap();
        assert!(v["account_type"].is_string());
    }
}

#[test]
fn federated_without_settings_reports_managed() {
    let mut facts = federated();
    facts.federation = None;
    let v1 = UserRealmV1::from_facts(&facts);
    assert_eq!(v1.account_type, NamespaceType::Managed);
    assert!(v1.federation_metadata_url.is_none());
}

#[test]
fn v2_shapes() {
    check!(
        &UserRealmV2::from_facts(&managed()),
        include_str!("data/realm/v2_managed.json"),
    );
    check!(
        &UserRealmV2::from_facts(&federated()),
        include_str!("data/realm/v2_federated.json"),
    );
}

#[test]
fn srf_shapes() {
    check!(
        &GetUserRealmSrf::from_facts(&managed()),
        include_str!("data/realm/srf_managed.json"),
    );
    check!(
        &GetUserRealmSrf::from_facts(&federated()),
        include_str!("data/realm/srf_federated.json"),
    );
}

#[test]
fn locale_as_string_parses() {
    let v: UserRealmV2 = serde_json::from_str(
        r#"{"NameSpaceType":"Managed","Login":"a@b","TenantBrandingInfo":[{"Locale":"1033"}],"NewThing":1}"#,
    )
    .unwrap();
    assert_eq!(v.tenant_branding_info.unwrap()[0].locale, Some(1033));
    let v: UserRealmV2 =
        serde_json::from_str(r#"{"NameSpaceType":"SomethingNew","Login":"a@b"}"#).unwrap();
    assert_eq!(v.namespace_type, NamespaceType::Unknown);
}

#[test]
fn credential_type_request_ignores_unknown_members() {
    let r =
        GetCredentialTypeRequest::from_json(include_bytes!("data/realm/gct_request_browser.json"))
            .unwrap();
    assert_eq!(r.username, "alice@contoso.test");
    assert_eq!(r.is_fido_supported, Some(true));
    assert_eq!(r.is_remote_ngc_supported, Some(true));
    assert_eq!(r.force_otc_login, Some(false));
    assert_eq!(
        r.flow_token.as_deref(),
        Some("AQABAAEAAAD--DLA3VO7QrddgJg7Wevr")
    );
    assert_eq!(r.federation_flags, Some(0));
}

#[test]
fn credential_type_request_needs_username() {
    assert!(GetCredentialTypeRequest::from_json(br#"{"isFidoSupported":true}"#).is_err());
    assert!(GetCredentialTypeRequest::from_json(br#"{"username":"  "}"#).is_err());
    assert!(GetCredentialTypeRequest::from_json(br#"{"username":"a@b"}"#).is_ok());
    assert!(GetCredentialTypeRequest::from_json(b"not json").is_err());
}

#[test]
fn credential_type_responses() {
    let creds = CredentialFacts {
        exists: true,
        has_password: true,
        fido_credential_ids: vec!["KEdvb2dsZSBpcyBub3QgYSBwYXNza2V5KQ".into()],
        ..CredentialFacts::default()
    };
    let r = GetCredentialTypeResponse::from_facts(
        &managed(),
        &creds,
        Some("AQABAAEAAAD--flow".into()),
        Some("canary".into()),
    );
    check!(&r, include_str!("data/realm/gct_response_managed.json"));

    let r = GetCredentialTypeResponse::from_facts(
        &federated(),
        &CredentialFacts::default(),
        None,
        None,
    );
    check!(&r, include_str!("data/realm/gct_response_federated.json"));

    let mut nobody = managed();
    nobody.upn = "nobody@contoso.test".into();
    nobody.branding.clear();
    let r = GetCredentialTypeResponse::from_facts(&nobody, &CredentialFacts::default(), None, None);
    check!(&r, include_str!("data/realm/gct_response_not_found.json"));
    assert_eq!(r.if_exists_result, IfExistsResult::NOT_EXIST);

    let throttled = CredentialFacts {
        throttled: true,
        ..CredentialFacts::default()
    };
    let r = GetCredentialTypeResponse::from_facts(&managed(), &throttled, None, None);
    assert_eq!(r.if_exists_result, IfExistsResult::THROTTLED);
    assert_eq!(r.throttle_status, 1);
}
