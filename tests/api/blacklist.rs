//! admin/addblack, admin/addblackbulk, admin/deleteblack, admin/deleteblackbulk (docs/contract.md, section 5):
//! where the JSON is read from, add/update/delete, all-or-nothing bulks, `0` refusals that change nothing.

use serde_json::{Value, json};

use crate::helpers::{TestApp, encode};

/// The vendor's blacklist object.
fn seed_object() -> Value {
    json!({"phone": "12341234", "campaign": "Campaign", "username": "username", "company": "Company name",
           "job_title": "Developer", "name": "Name"})
}

/// The blacklist as rows without the mock's `updated_at`, in a stable order.
async fn entries(app: &TestApp) -> Vec<Value> {
    let state = app.state("blacklist").await;
    let mut rows: Vec<Value> = state
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let mut row = row.clone();
            row.as_object_mut().unwrap().remove("updated_at");
            row
        })
        .collect();
    rows.sort_by_key(|r| (r["campaign"].to_string(), r["phone"].to_string()));
    rows
}

/// The (phone, campaign) pairs of the blacklist, sorted.
async fn pairs(app: &TestApp) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = entries(app)
        .await
        .iter()
        .map(|r| (r["phone"].as_str().unwrap().to_string(), r["campaign"].as_str().unwrap().to_string()))
        .collect();
    pairs.sort();
    pairs
}

fn pair(phone: &str, campaign: &str) -> (String, String) {
    (phone.to_string(), campaign.to_string())
}

/// A full row as the state shows it (without `updated_at`), absent fields null.
fn row(phone: &str, campaign: &str) -> Value {
    json!({"phone": phone, "campaign": campaign, "username": null, "company": null, "job_title": null, "name": null})
}

/// POSTs `value` under the `blacklist` field.
async fn send(app: &TestApp, route: &str, value: &Value) -> crate::helpers::Reply {
    app.post(route, &[("blacklist", &value.to_string())]).await
}

/// Sends each raw form body and expects `0` with nothing changed.
async fn assert_refused(app: &TestApp, route: &str, bodies: &[String]) {
    let cases: Vec<(String, String)> = bodies.iter().map(|b| (b.clone(), b.clone())).collect();
    app.assert_refused(route, &cases).await;
}

/// A form body with `value` under `blacklist`.
fn field(value: &Value) -> String {
    encode(&[("blacklist", &value.to_string())])
}

// addblack -----------------------------------------------------------------------------------------

#[tokio::test]
async fn addblack_of_the_seed_object_answers_one_and_adds_it() {
    let app = TestApp::spawn().await;
    assert_eq!(app.state("blacklist").await, json!([]));
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    assert_eq!(entries(&app).await, vec![seed_object()]);
}

#[tokio::test]
async fn addblack_of_an_existing_pair_updates_it() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let changed = json!({"phone": "12341234", "campaign": "Campaign", "username": "otro", "company": "Otra SA",
                         "job_title": "Manager", "name": "Otro nombre"});
    send(&app, "admin/addblack", &changed).await.assert_one();
    assert_eq!(entries(&app).await, vec![changed.clone()], "updated, not duplicated");
    // adding the same again changes nothing more
    send(&app, "admin/addblack", &changed).await.assert_one();
    assert_eq!(entries(&app).await, vec![changed]);
}

#[tokio::test]
async fn the_same_phone_in_two_campaigns_is_two_entries() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &json!({"phone": "099111222", "campaign": "Ventas->"})).await.assert_one();
    send(&app, "admin/addblack", &json!({"phone": "099111222", "campaign": "Sales->"})).await.assert_one();
    assert_eq!(pairs(&app).await, vec![pair("099111222", "Sales->"), pair("099111222", "Ventas->")]);
}

#[tokio::test]
async fn only_phone_and_campaign_are_required() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &json!({"phone": "099111222", "campaign": "Ventas->"})).await.assert_one();
    assert_eq!(entries(&app).await, vec![row("099111222", "Ventas->")]);
}

#[tokio::test]
async fn star_campaign_is_accepted() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &json!({"phone": "099111222", "campaign": "*", "name": "Todos"})).await.assert_one();
    let mut expected = row("099111222", "*");
    expected["name"] = json!("Todos");
    assert_eq!(entries(&app).await, vec![expected]);
}

#[tokio::test]
async fn any_campaign_name_is_accepted() {
    let app = TestApp::spawn().await;
    for campaign in ["NoExiste->", "nombreCampaña->", "una campaña cualquiera"] {
        send(&app, "admin/addblack", &json!({"phone": "12-345-678", "campaign": campaign})).await.assert_one();
    }
    assert_eq!(
        pairs(&app).await,
        vec![
            pair("12-345-678", "NoExiste->"),
            pair("12-345-678", "nombreCampaña->"),
            pair("12-345-678", "una campaña cualquiera")
        ]
    );
}

#[tokio::test]
async fn a_phone_given_as_a_json_number_is_accepted() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &json!({"phone": 12341234, "campaign": "Campaign"})).await.assert_one();
    assert_eq!(entries(&app).await, vec![row("12341234", "Campaign")]);
    // and it is the same entry as the phone given as text
    send(&app, "admin/deleteblack", &json!({"phone": "12341234", "campaign": "Campaign"})).await.assert_one();
    assert_eq!(app.state("blacklist").await, json!([]));
}

// Where the JSON is read from ----------------------------------------------------------------------

#[tokio::test]
async fn without_a_blacklist_field_the_one_json_field_is_used() {
    let app = TestApp::spawn().await;
    let object = seed_object().to_string();
    app.post("admin/addblack", &[("objeto", &object), ("_", "1700000000000")]).await.assert_one();
    assert_eq!(entries(&app).await, vec![seed_object()]);

    let array = json!([{"phone": "1", "campaign": "Ventas->"}, {"phone": "2", "campaign": "Ventas->"}]).to_string();
    app.post("admin/addblackbulk", &[("Aleatorio", "1"), ("lista", &array)]).await.assert_one();
    assert_eq!(pairs(&app).await, vec![pair("1", "Ventas->"), pair("12341234", "Campaign"), pair("2", "Ventas->")]);

    let one = json!({"phone": "1", "campaign": "Ventas->"}).to_string();
    app.post("admin/deleteblack", &[("objeto", &one), ("_", "1700000000001")]).await.assert_one();
    let rest =
        json!([{"phone": "2", "campaign": "Ventas->"}, {"phone": "12341234", "campaign": "Campaign"}]).to_string();
    app.post("admin/deleteblackbulk", &[("arreglo", &rest)]).await.assert_one();
    assert_eq!(app.state("blacklist").await, json!([]));
}

#[tokio::test]
async fn a_body_that_is_itself_json_is_used_as_is() {
    let app = TestApp::spawn().await;
    // `&`, `=` and `+` would be form syntax: the JSON body is taken verbatim
    let object = json!({"phone": "099111222", "campaign": "Ventas->", "company": "Pérez & Hijos+Cia", "name": "a=b"});
    app.post_body("admin/addblack", object.to_string(), Some(&app.token)).await.assert_one();
    let mut expected = row("099111222", "Ventas->");
    expected["company"] = json!("Pérez & Hijos+Cia");
    expected["name"] = json!("a=b");
    assert_eq!(entries(&app).await, vec![expected]);

    let array = json!([{"phone": "1", "campaign": "*"}, {"phone": "2", "campaign": "*"}]);
    app.post_body("admin/addblackbulk", array.to_string(), Some(&app.token)).await.assert_one();
    assert_eq!(pairs(&app).await, vec![pair("099111222", "Ventas->"), pair("1", "*"), pair("2", "*")]);

    let one = json!({"phone": "099111222", "campaign": "Ventas->"});
    app.post_body("admin/deleteblack", one.to_string(), Some(&app.token)).await.assert_one();
    app.post_body("admin/deleteblackbulk", array.to_string(), Some(&app.token)).await.assert_one();
    assert_eq!(app.state("blacklist").await, json!([]));
}

#[tokio::test]
async fn a_json_body_labelled_application_json_is_read_too() {
    let app = TestApp::spawn().await;
    let request = app
        .client
        .post(app.url("admin/addblack"))
        .header("content-type", "application/json")
        .header("authorization", format!("Basic {}", app.token))
        .body(seed_object().to_string());
    app.send(request).await.assert_one();
    assert_eq!(entries(&app).await, vec![seed_object()]);
}

// deleteblack --------------------------------------------------------------------------------------

#[tokio::test]
async fn deleteblack_removes_the_pair_and_nothing_else() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    send(&app, "admin/addblack", &json!({"phone": "12341234", "campaign": "*"})).await.assert_one();
    send(&app, "admin/addblack", &json!({"phone": "55555555", "campaign": "Campaign"})).await.assert_one();

    // only phone and campaign are needed
    send(&app, "admin/deleteblack", &json!({"phone": "12341234", "campaign": "Campaign"})).await.assert_one();
    assert_eq!(pairs(&app).await, vec![pair("12341234", "*"), pair("55555555", "Campaign")]);

    // the full object works too; a different name does not matter
    send(&app, "admin/deleteblack", &json!({"phone": "55555555", "campaign": "Campaign", "name": "Otro"}))
        .await
        .assert_one();
    assert_eq!(pairs(&app).await, vec![pair("12341234", "*")]);
}

#[tokio::test]
async fn deleting_an_absent_pair_still_answers_one() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let before = app.snapshot().await;
    for absent in [
        json!({"phone": "99999999", "campaign": "Campaign"}),
        json!({"phone": "12341234", "campaign": "Ventas->"}),
        // `*` is its own entry, not a wildcard for deletion
        json!({"phone": "12341234", "campaign": "*"}),
    ] {
        send(&app, "admin/deleteblack", &absent).await.assert_one();
    }
    send(&app, "admin/deleteblackbulk", &json!([{"phone": "99999999", "campaign": "Campaign"}])).await.assert_one();
    assert_eq!(app.snapshot().await, before);
}

// Bulks --------------------------------------------------------------------------------------------

#[tokio::test]
async fn addblackbulk_adds_every_element_and_updates_existing_ones() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let mut updated = seed_object();
    updated["name"] = json!("Nuevo nombre");
    let bulk = json!([
        updated,
        {"phone": "099111222", "campaign": "Ventas->"},
        {"phone": 55555555, "campaign": "*", "company": "ACME"},
    ]);
    send(&app, "admin/addblackbulk", &bulk).await.assert_one();
    let mut star = row("55555555", "*");
    star["company"] = json!("ACME");
    assert_eq!(entries(&app).await, vec![star, updated, row("099111222", "Ventas->")]);
}

#[tokio::test]
async fn the_last_of_repeated_pairs_in_a_bulk_wins() {
    let app = TestApp::spawn().await;
    let bulk = json!([
        {"phone": "1", "campaign": "Ventas->", "name": "first"},
        {"phone": "1", "campaign": "Ventas->", "name": "second"},
    ]);
    send(&app, "admin/addblackbulk", &bulk).await.assert_one();
    let mut second = row("1", "Ventas->");
    second["name"] = json!("second");
    assert_eq!(entries(&app).await, vec![second]);
}

#[tokio::test]
async fn concurrent_additions_all_land_each_answered_after_its_commit() {
    // Concurrent single additions share a commit: every one is answered 1 and every one is there,
    // including several updates of one pair (one of them wins).
    let app = TestApp::spawn().await;
    let sends = (0..64).map(|i| {
        let value = if i % 8 == 0 {
            json!({"phone": "099000000", "campaign": "*", "name": format!("n{i}")})
        } else {
            json!({"phone": format!("0991{i:05}"), "campaign": "Ventas->"})
        };
        let app = &app;
        async move { send(app, "admin/addblack", &value).await }
    });
    for reply in futures_util::future::join_all(sends).await {
        reply.assert_one();
    }
    let entries = entries(&app).await;
    assert_eq!(entries.len(), 56 + 1);
    let shared = entries.iter().find(|e| e["phone"] == "099000000").unwrap();
    assert!((0..64).step_by(8).any(|i| shared["name"] == format!("n{i}")), "{shared}");
}

#[tokio::test]
async fn deleteblackbulk_removes_every_element() {
    let app = TestApp::spawn().await;
    let bulk = json!([
        {"phone": "1", "campaign": "Ventas->"},
        {"phone": "2", "campaign": "Ventas->"},
        {"phone": "3", "campaign": "*"},
    ]);
    send(&app, "admin/addblackbulk", &bulk).await.assert_one();
    assert_eq!(pairs(&app).await.len(), 3);
    let delete = json!([{"phone": "1", "campaign": "Ventas->"}, {"phone": "3", "campaign": "*"}, {"phone": "4", "campaign": "*"}]);
    send(&app, "admin/deleteblackbulk", &delete).await.assert_one();
    assert_eq!(pairs(&app).await, vec![pair("2", "Ventas->")]);
}

/// Arrays with one bad element among good ones.
fn bad_bulks() -> Vec<Value> {
    let good = |phone: &str| json!({"phone": phone, "campaign": "Ventas->"});
    vec![
        json!([good("1"), {"campaign": "Ventas->"}, good("3")]),
        json!([good("1"), good("2"), {"phone": "3"}]),
        json!([{"phone": "", "campaign": "Ventas->"}, good("2")]),
        json!([good("1"), {"phone": "2", "campaign": ""}]),
        json!([good("1"), {"phone": {"n": "2"}, "campaign": "Ventas->"}]),
        json!([good("1"), "2"]),
        json!([good("1"), null]),
        json!([good("1"), [good("2")]]),
    ]
}

#[tokio::test]
async fn addblackbulk_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let bodies: Vec<String> = bad_bulks().iter().map(field).collect();
    assert_refused(&app, "admin/addblackbulk", &bodies).await;
    assert_eq!(entries(&app).await, vec![seed_object()]);
}

#[tokio::test]
async fn deleteblackbulk_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let present = json!([{"phone": "1", "campaign": "Ventas->"}, {"phone": "2", "campaign": "Ventas->"}, {"phone": "3", "campaign": "Ventas->"}]);
    send(&app, "admin/addblackbulk", &present).await.assert_one();
    let bodies: Vec<String> = bad_bulks().iter().map(field).collect();
    assert_refused(&app, "admin/deleteblackbulk", &bodies).await;
    assert_eq!(pairs(&app).await, vec![pair("1", "Ventas->"), pair("2", "Ventas->"), pair("3", "Ventas->")]);
}

// Refusals -----------------------------------------------------------------------------------------

/// Objects that are not valid blacklist objects.
fn bad_objects() -> Vec<Value> {
    vec![
        json!({"campaign": "Campaign", "name": "sin teléfono"}),
        json!({"phone": "12341234", "name": "sin campaña"}),
        json!({"phone": "", "campaign": "Campaign"}),
        json!({"phone": "12341234", "campaign": ""}),
        json!({"phone": "", "campaign": ""}),
        json!({"phone": null, "campaign": "Campaign"}),
        json!({"phone": {"number": "12341234"}, "campaign": "Campaign"}),
        json!({"phone": ["12341234"], "campaign": "Campaign"}),
        json!({"phone": "12341234", "campaign": {"name": "Campaign"}}),
        json!({}),
    ]
}

/// Bodies that carry no usable parameter at all.
fn no_parameter() -> Vec<String> {
    vec![
        String::new(),
        encode(&[("_", "1700000000000")]),
        encode(&[("Aleatorio", "1"), ("phone", "12341234"), ("campaign", "Campaign")]),
        encode(&[("blacklist", "")]),
    ]
}

#[tokio::test]
async fn addblack_refuses_invalid_objects_with_zero() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let mut bodies: Vec<String> = bad_objects().iter().map(field).collect();
    bodies.extend([
        // not JSON
        encode(&[("blacklist", "phone=12341234")]),
        encode(&[("blacklist", "{\"phone\": \"12341234\", \"campaign\": \"Campaign\"")]),
        encode(&[("blacklist", "{'phone': '12341234', 'campaign': 'Campaign'}")]),
        // JSON, but not one object
        field(&json!([{"phone": "12341234", "campaign": "Campaign"}])),
        field(&json!("12341234")),
        field(&json!(12341234)),
        field(&json!(null)),
        // a raw JSON body that is not a valid object
        json!({"phone": "12341234"}).to_string(),
        json!([{"phone": "12341234", "campaign": "Campaign"}]).to_string(),
        // no blacklist field and two JSON fields: which one is meant is unknown
        encode(&[
            ("a", &json!({"phone": "1", "campaign": "X"}).to_string()),
            ("b", &json!({"phone": "2", "campaign": "X"}).to_string()),
        ]),
    ]);
    bodies.extend(no_parameter());
    assert_refused(&app, "admin/addblack", &bodies).await;
    assert_eq!(entries(&app).await, vec![seed_object()]);
}

#[tokio::test]
async fn deleteblack_refuses_invalid_objects_with_zero() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let mut bodies: Vec<String> = bad_objects().iter().map(field).collect();
    bodies.extend([
        encode(&[("blacklist", "not json")]),
        field(&json!([{"phone": "12341234", "campaign": "Campaign"}])),
        json!({"phone": "12341234"}).to_string(),
    ]);
    bodies.extend(no_parameter());
    assert_refused(&app, "admin/deleteblack", &bodies).await;
    assert_eq!(entries(&app).await, vec![seed_object()]);
}

#[tokio::test]
async fn bulk_routes_refuse_anything_but_an_array() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let mut bodies = vec![
        field(&seed_object()),
        field(&json!({"phone": "12341234", "campaign": "Campaign"})),
        field(&json!("[]")),
        field(&json!(null)),
        encode(&[("blacklist", "[{\"phone\": \"1\", \"campaign\": \"X\"}")]),
        encode(&[("blacklist", "not json")]),
        seed_object().to_string(),
    ];
    bodies.extend(no_parameter());
    assert_refused(&app, "admin/addblackbulk", &bodies).await;
    assert_refused(&app, "admin/deleteblackbulk", &bodies).await;
    assert_eq!(entries(&app).await, vec![seed_object()]);
}

#[tokio::test]
async fn without_a_token_answers_401_and_changes_nothing() {
    let app = TestApp::spawn().await;
    send(&app, "admin/addblack", &seed_object()).await.assert_one();
    let before = app.snapshot().await;
    let one = field(&json!({"phone": "099111222", "campaign": "Ventas->"}));
    let many = field(&json!([{"phone": "099111222", "campaign": "Ventas->"}, seed_object()]));
    for (route, body) in [
        ("admin/addblack", &one),
        ("admin/addblackbulk", &many),
        ("admin/deleteblack", &field(&seed_object())),
        ("admin/deleteblackbulk", &many),
    ] {
        for token in [None, Some("bm9wZQ==")] {
            let reply = app.post_body(route, body.clone(), token).await;
            assert_eq!(reply.status, 401, "{route}");
            assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Basic realm=\"Integra\"");
            assert_eq!(reply.body, "");
        }
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_phone_sent_as_a_number_is_kept_exactly_or_refused() {
    let app = TestApp::spawn().await;
    // The largest whole number of 64 bits is kept digit for digit.
    app.post("admin/addblack", &[("blacklist", r#"{"phone":18446744073709551615,"campaign":"*"}"#)]).await.assert_one();
    let listed = app.state("blacklist").await;
    assert_eq!(listed[0]["phone"], "18446744073709551615", "{listed}");
    // Past 64 bits, or with a fraction or an exponent, JSON numbers are read as doubles: refused,
    // never stored rounded (123456789012345678901 would be 1.2345678901234568e20).
    for phone in ["123456789012345678901", "99123456.0", "9.9e7"] {
        let before = app.snapshot().await;
        let blacklist = format!(r#"{{"phone":{phone},"campaign":"*"}}"#);
        let reply = app.post("admin/addblack", &[("blacklist", &blacklist)]).await;
        reply.assert_zero();
        let reason = reply.reason().unwrap();
        assert!(reason.contains("cannot be kept exactly") && reason.contains("send it as text"), "{phone}: {reason}");
        assert_eq!(app.snapshot().await, before, "{phone}");
    }
    let spool = r#"{"campaign":"Ventas->","destination":123456789012345678901}"#;
    app.post("Dialers/Respool", &[("callspool", spool)]).await.assert_zero();
}
