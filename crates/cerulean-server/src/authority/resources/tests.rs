use cerulean_directory::well_known::{DRS_APP, first_party_applications};
use time::OffsetDateTime;

use super::*;

fn scopes(s: &str) -> RequestedTarget {
    match RequestedTarget::parse_scope(s) {
        Ok(t) => t,
        Err(e) => panic!("{s}: {e}"),
    }
}

fn resource_of(t: &RequestedTarget) -> (&str, Vec<&str>) {
    match &t.requested {
        Requested::Scopes {
            resource,
            permissions,
            ..
        } => (
            resource.as_str(),
            permissions.iter().map(String::as_str).collect(),
        ),
        other => panic!("not scopes: {other:?}"),
    }
}

#[test]
fn scope_items_split_into_resource_and_permission() {
    let cases = [
        (
            "https://graph.microsoft.com/.default",
            "https://graph.microsoft.com",
            ".default",
        ),
        (
            "https://graph.microsoft.com/User.Read",
            "https://graph.microsoft.com",
            "User.Read",
        ),
        ("User.Read", GRAPH_RESOURCE, "User.Read"),
        (
            "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9/.default",
            "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
            ".default",
        ),
        (
            "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
            "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
            ".default",
        ),
        ("api://my-api/.default", "api://my-api", ".default"),
        ("api://my-api/v1/read", "api://my-api/v1", "read"),
        ("api://my-api", "api://my-api", ".default"),
        (
            "urn:ms-drs:enterpriseregistration.windows.net",
            "urn:ms-drs:enterpriseregistration.windows.net",
            ".default",
        ),
        (
            "urn:ms-drs:enterpriseregistration.windows.net/.default",
            "urn:ms-drs:enterpriseregistration.windows.net",
            ".default",
        ),
        (
            "https://enrollment.manage.microsoft.com/.default",
            "https://enrollment.manage.microsoft.com",
            ".default",
        ),
        (
            "https://graph.microsoft.com/",
            "https://graph.microsoft.com",
            ".default",
        ),
    ];
    for (item, resource, permission) in cases {
        let t = scopes(&format!("openid profile offline_access {item}"));
        assert!(t.oidc.openid && t.oidc.profile && t.oidc.offline_access && !t.oidc.email);
        assert_eq!(resource_of(&t), (resource, vec![permission]), "{item}");
    }
}

#[test]
fn only_openid_scopes_mean_graph_user_read() {
    let t = scopes("openid profile email offline_access");
    assert_eq!(t.requested, Requested::OidcOnly);
    assert!(t.oidc.email);
    let t = scopes("OpenID");
    assert!(t.oidc.openid);
}

#[test]
fn malformed_or_mixed_scopes_are_70011() {
    for bad in [
        "https://graph.microsoft.com/.default urn:ms-drs:enterpriseregistration.windows.net/.default",
        "User.Read api://other/.default",
        "https:///x",
        "api://x/bad\"perm",
        "User\u{7f}Read",
        "/.default",
        "x/y<z",
    ] {
        let err = RequestedTarget::parse_scope(bad).unwrap_err();
        assert_eq!(err.aadsts(), Some(70011), "{bad}");
    }
    let many = vec!["User.Read"; MAX_ITEMS + 1].join(" ");
    assert!(RequestedTarget::parse_scope(&many).is_err());
}

#[test]
fn resource_parameter_and_scope_combine() {
    let target = TokenTarget {
        scope: Some("openid".into()),
        resource: Some("urn:ms-drs:enterpriseregistration.windows.net".into()),
    };
    let t = RequestedTarget::parse(&target).unwrap().unwrap();
    assert!(t.oidc.openid);
    assert_eq!(
        t.requested,
        Requested::Resource("urn:ms-drs:enterpriseregistration.windows.net".into())
    );
    assert!(t.is_default_only());
    assert!(
        RequestedTarget::parse(&TokenTarget::default())
            .unwrap()
            .is_none()
    );
    // A scope naming a resource wins over `resource`.
    let target = TokenTarget {
        scope: Some("User.Read".into()),
        resource: Some("https://management.azure.com/".into()),
    };
    let t = RequestedTarget::parse(&target).unwrap().unwrap();
    assert_eq!(resource_of(&t).0, GRAPH_RESOURCE);
    assert!(!t.is_default_only());
}

#[test]
fn canonical_audiences() {
    let apps = first_party_applications(TenantId::random(), OffsetDateTime::UNIX_EPOCH);
    let find = |id: &str| {
        apps.iter()
            .find(|a| a.client_id.to_string() == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} seeded"))
    };
    assert_eq!(
        canonical_audience(&find(DRS_APP)),
        "urn:ms-drs:enterpriseregistration.windows.net"
    );
    assert_eq!(
        canonical_audience(&find(GRAPH_APP)),
        "https://graph.microsoft.com"
    );
    let portal = find(cerulean_directory::well_known::AZURE_PORTAL_APP);
    assert_eq!(canonical_audience(&portal), portal.client_id.to_string());
}

#[test]
fn permissions_default_and_named() {
    let apps = first_party_applications(TenantId::random(), OffsetDateTime::UNIX_EPOCH);
    let graph = apps
        .iter()
        .find(|a| a.client_id.to_string() == GRAPH_APP)
        .cloned()
        .unwrap_or_else(|| panic!("graph seeded"));
    let all = delegated_permissions(&graph, &[".default".into()]).unwrap();
    assert!(all.contains("User.Read") && all.contains("Device.Read.All"));
    assert_eq!(
        delegated_permissions(&graph, &["user.read".into(), "User.Read".into()]).unwrap(),
        "User.Read"
    );
    assert_eq!(
        delegated_permissions(&graph, &["Mail.Send".into()])
            .unwrap_err()
            .aadsts(),
        Some(70011)
    );
}
