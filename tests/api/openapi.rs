//! `/openapi.json`: the Integra routes described from the router's own declarations.

use crate::helpers::{INTEGRA_ROUTES, TestApp};

#[tokio::test]
async fn every_integra_route_is_described_with_its_form_and_answers() {
    let app = TestApp::spawn().await;
    let reply = app.send(app.client.get(format!("{}/openapi.json", app.base))).await;
    assert_eq!(reply.status, 200);
    let api = reply.json();
    assert!(api["openapi"].as_str().unwrap().starts_with("3."), "{}", api["openapi"]);
    let paths = api["paths"].as_object().unwrap();
    for route in INTEGRA_ROUTES {
        let path = format!("/Integra/resources/{route}");
        let post = &paths.get(&path).unwrap_or_else(|| panic!("{path} is not described"))["post"];
        assert!(post["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object(), "{path}");
        assert!(post["responses"]["200"].is_object(), "{path}");
        let needs_token = !route.starts_with("auth/");
        assert_eq!(post["responses"]["401"].is_object(), needs_token, "{path}");
    }
    // Nothing is described that the router does not serve: each described path answers, and not
    // the router's own 404 (a route may answer 404 for the literal `{user}` it was given).
    for path in paths.keys() {
        let reply = app.send(app.client.post(format!("{}{path}", app.base))).await;
        let unrouted = reply.reason() == Some("no such route (paths are case-sensitive)");
        assert!(!unrouted, "{path} is described but not routed");
    }
    assert_eq!(api["components"]["securitySchemes"]["basic"]["scheme"], "basic");
    // The control API is described too.
    for (path, method) in [
        ("/_mock/health", "get"),
        ("/_mock/state/{table}", "get"),
        ("/_mock/reset", "post"),
        ("/_mock/requests/count", "post"),
        ("/_mock/requests/wait", "post"),
        ("/_mock/faults", "post"),
        ("/_mock/events", "get"),
        ("/_mock/clock", "post"),
        ("/_mock/instances/{name}", "delete"),
        ("/_mock/overview", "get"),
        ("/_mock/portal/{user}", "get"),
        ("/_mock/portal/{user}", "post"),
        ("/_mock/portal/{user}/login", "post"),
        ("/_mock/recordings/{guid}/convert", "post"),
    ] {
        assert!(paths[path][method]["responses"]["200"].is_object(), "{method} {path}");
    }
}
