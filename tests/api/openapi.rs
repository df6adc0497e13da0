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

/// A route's form schema in the document, `$ref`s followed and `allOf` parts merged: its
/// properties and the names it requires.
fn form_schema(api: &serde_json::Value, route: &str) -> (serde_json::Map<String, serde_json::Value>, Vec<String>) {
    fn resolve<'a>(api: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
        match schema["$ref"].as_str() {
            Some(reference) => &api["components"]["schemas"][reference.rsplit('/').next().unwrap()],
            None => schema,
        }
    }
    let post = &api["paths"][format!("/Integra/resources/{route}")]["post"];
    let schema = resolve(api, &post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]);
    let parts: Vec<&serde_json::Value> = match schema["allOf"].as_array() {
        Some(parts) => parts.iter().map(|p| resolve(api, p)).collect(),
        None => vec![schema],
    };
    let (mut properties, mut required) = (serde_json::Map::new(), Vec::new());
    for part in parts {
        properties.extend(part["properties"].as_object().cloned().unwrap_or_default());
        required.extend(part["required"].as_array().into_iter().flatten().map(|r| r.as_str().unwrap().to_string()));
    }
    (properties, required)
}

#[tokio::test]
async fn every_form_field_says_if_it_is_required_what_it_is_and_an_example_that_works() {
    let app = TestApp::spawn().await;
    let api = app.send(app.client.get(format!("{}/openapi.json", app.base))).await.json();
    for route in INTEGRA_ROUTES {
        let (properties, required) = form_schema(&api, route);
        let all_optional = ["Supervisor/queuesummary", "Supervisor/campaignstatus", "Cdr/getrecords"];
        assert_eq!(required.is_empty(), all_optional.contains(&route), "{route}: {properties:?}");
        let mut form: Vec<(String, String)> = Vec::new();
        for (name, property) in &properties {
            assert!(
                property["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{route}.{name} has no description"
            );
            let example = property["example"].as_str().unwrap_or_else(|| panic!("{route}.{name} has no example"));
            form.push((name.clone(), example.to_string()));
        }
        // The examples, sent as they are, work against the default world.
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let reply = app.post(route, &pairs).await;
        let refused_for_being_missing = reply.reason().is_some_and(|r| r.contains("required"));
        assert!(
            reply.status == 200 && !refused_for_being_missing,
            "{route}: {} {} {:?}",
            reply.status,
            reply.body,
            reply.reason()
        );
        // EndSession's example token was never given out; every other example is taken.
        if route != "auth/EndSession" {
            assert_ne!(reply.body, "0", "{route}'s examples are refused: {:?}", reply.reason());
        }
        if route == "Agents/AgentCall" {
            // Free the phone for AgentCallwithData; HangupPhone's own example ends that one.
            app.post("Agents/HangupPhone", &[("phone", "1001")]).await.assert_one();
        }
    }
}

/// The whole document, against the one committed in `tests/api/openapi.snapshot.json`: a change to
/// any route's description shows in review. `UPDATE_SNAPSHOTS=1` writes the new one instead.
#[tokio::test]
async fn the_document_is_the_one_committed() {
    let app = TestApp::spawn().await;
    let reply = app.send(app.client.get(format!("{}/openapi.json", app.base))).await;
    let served: serde_json::Value = reply.json();
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/openapi.snapshot.json");
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(path, &pretty).unwrap();
    }
    let committed =
        std::fs::read_to_string(path).expect("tests/api/openapi.snapshot.json (UPDATE_SNAPSHOTS=1 writes it)");
    assert!(
        committed == pretty,
        "/openapi.json differs from {path}; if the change is meant, run with UPDATE_SNAPSHOTS=1"
    );
}
