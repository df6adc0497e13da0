//! The general rules of docs/contract.md, section 1 across routes: paths and methods, check order, CORS, how
//! the form is read, answer formats, body limits, `X-Mock-Reason`; the control API's health and the
//! real binary's banner and `health` subcommand.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{INTEGRA_ROUTES, JSON, Reply, TEXT, TestApp, encode};

const ALLOW_HEADERS: &str = "Authorization, Content-Type, X-Mock-Instance";
const MIB: usize = 1024 * 1024;

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

fn allow_origin(reply: &Reply) -> Option<&str> {
    header(reply, "access-control-allow-origin")
}

/// A POST to an Integra route with a raw body and admin's token, built for `send`.
fn post_raw(app: &TestApp, route: &str, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
    app.client.post(app.url(route)).header("authorization", format!("Basic {}", app.token)).body(body)
}

/// A callspool for Ventas-> whose `data` makes the whole form body exactly `size` bytes.
fn respool_body_of_size(size: usize) -> String {
    let body = |data: &str| {
        let callspool = json!({"campaign": "Ventas->", "destination": "098344484", "status": 1, "data": data});
        encode(&[("callspool", &callspool.to_string())])
    };
    let base = body("").len();
    let text = body(&"x".repeat(size - base));
    assert_eq!(text.len(), size);
    text
}

// Paths and methods --------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_paths_answer_404() {
    let app = TestApp::spawn().await;
    for route in
        ["Nope/nope", "cdr/getrecords", "agents/agentcall", "CDR/GETRECORDS", "dialers/Respool", "Cdr/getRecords"]
    {
        let reply = app.post(route, &[]).await;
        assert_eq!(reply.status, 404, "{route}");
    }
    for path in ["/integra/resources/Cdr/getrecords", "/Integra/Resources/Cdr/getrecords", "/Cdr/getrecords", "/nope"] {
        let request =
            app.client.post(format!("{}{path}", app.base)).header("authorization", format!("Basic {}", app.token));
        assert_eq!(app.send(request).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn known_paths_with_another_method_answer_405() {
    let app = TestApp::spawn().await;
    for route in
        ["Cdr/getrecords", "Dialers/RemoveContact", "admin/addblack", "api/DispositionCall", "auth/getUserToken"]
    {
        for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
            let request = app
                .client
                .request(method.clone(), app.url(route))
                .header("authorization", format!("Basic {}", app.token))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("campaign=Ventas-%3E&number=1");
            let reply = app.send(request).await;
            assert_eq!(reply.status, 405, "{method} {route}");
        }
    }
}

#[tokio::test]
async fn checks_run_404_then_405_then_401_then_the_route() {
    let app = TestApp::spawn().await;
    // an unknown path without a token: 404, not 401
    for route in ["Nope/nope", "cdr/getrecords", "agents/agentcall"] {
        assert_eq!(app.post_anon(route, &[]).await.status, 404, "{route}");
    }
    // a known path with GET and no token: 405, not 401
    for route in ["Cdr/getrecords", "Dialers/Respool", "admin/addblack"] {
        assert_eq!(app.send(app.client.get(app.url(route))).await.status, 405, "{route}");
        assert_eq!(app.send(app.client.delete(app.url(route))).await.status, 405, "{route}");
    }
    // no token on a known route with a bad form: 401, not 0 (nor 400)
    for (route, form) in [
        ("Cdr/getrecords", &[("filter", "{")][..]),
        ("Cdr/getrecords", &[("lastrow", "-1")]),
        ("Dialers/Respool", &[("callspool", "not json")]),
        ("Dialers/RemoveContact", &[]),
        ("admin/addblack", &[("blacklist", "[")]),
        ("api/DispositionCall", &[]),
    ] {
        let reply = app.post_anon(route, form).await;
        assert_eq!((reply.status, reply.body.as_str()), (401, ""), "{route} {form:?}");
        assert!(reply.reason().is_some(), "{route}");
    }
    // the same with a token: the route's own validation
    app.post("Cdr/getrecords", &[("filter", "{")]).await.assert_zero();
    app.post("Dialers/Respool", &[("callspool", "not json")]).await.assert_zero();
    assert_eq!(app.post("api/DispositionCall", &[]).await.status, 400);
}

// CORS ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn preflights_answer_204_with_the_origin_methods_and_headers() {
    let app = TestApp::spawn().await;
    for route in ["Cdr/getrecords", "Dialers/Respool", "auth/getUserToken", "api/DispositionCall"] {
        for origin in [Some("http://page.test"), Some("https://crm.example.com:8443"), None] {
            let mut request = app
                .client
                .request(Method::OPTIONS, app.url(route))
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization, content-type");
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            // no token: a preflight never carries one
            let reply = app.send(request).await;
            assert_eq!(reply.status, 204, "{route} from {origin:?}");
            assert_eq!(allow_origin(&reply), Some(origin.unwrap_or("*")), "{route} from {origin:?}");
            assert_eq!(header(&reply, "access-control-allow-methods"), Some("POST"));
            assert_eq!(header(&reply, "access-control-allow-headers"), Some(ALLOW_HEADERS));
        }
    }
}

#[tokio::test]
async fn every_answer_carries_the_allow_origin_header() {
    let app = TestApp::spawn().await;
    let big = respool_body_of_size(MIB + 1);
    for origin in [Some("http://page.test"), None] {
        let with_origin = |request: reqwest::RequestBuilder| match origin {
            Some(o) => request.header("origin", o),
            None => request,
        };
        let form = |route: &str, body: String| {
            with_origin(post_raw(&app, route, body).header("content-type", "application/x-www-form-urlencoded"))
        };
        let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
            ("200 JSON", form("Cdr/getrecords", String::new()), 200),
            ("200 1", form("Dialers/RemoveContact", "campaign=Ventas-%3E&number=1".into()), 200),
            ("200 0", form("Dialers/RemoveContact", "campaign=nope&number=1".into()), 200),
            ("400", form("api/DispositionCall", String::new()), 400),
            ("401", with_origin(app.client.post(app.url("Dialers/RemoveContact")).body("campaign=Ventas-%3E")), 401),
            ("404", form("Nope/nope", String::new()), 404),
            ("405", with_origin(app.client.get(app.url("Cdr/getrecords"))), 405),
            ("413", form("Dialers/Respool", big.clone()), 413),
            (
                "200 login",
                with_origin(app.client.post(app.url("auth/getUserToken")).body("user=admin&password=admin")),
                200,
            ),
            ("200 health", with_origin(app.client.get(format!("{}/_mock/health", app.base))), 200),
        ];
        for (what, request, status) in cases {
            let reply = app.send(request).await;
            assert_eq!(reply.status, status, "{what}: {}", reply.body);
            assert_eq!(allow_origin(&reply), Some(origin.unwrap_or("*")), "{what} from {origin:?}");
        }
    }
}

#[tokio::test]
async fn cors_flag_restricts_the_allowed_origin() {
    let app = TestApp::spawn_with(&["--cors", "http://allowed.test"]).await;
    let preflight = |origin: &str| {
        app.client
            .request(Method::OPTIONS, app.url("Cdr/getrecords"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
    };
    let post = |origin: &str| post_raw(&app, "Cdr/getrecords", "").header("origin", origin);

    let reply = app.send(preflight("http://allowed.test")).await;
    assert_eq!(reply.status, 204);
    assert_eq!(allow_origin(&reply), Some("http://allowed.test"));
    assert_eq!(header(&reply, "access-control-allow-methods"), Some("POST"));
    assert_eq!(header(&reply, "access-control-allow-headers"), Some(ALLOW_HEADERS));
    let reply = app.send(post("http://allowed.test")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(allow_origin(&reply), Some("http://allowed.test"));

    for other in ["http://other.test", "http://allowed.test.evil", "https://allowed.test"] {
        assert_eq!(allow_origin(&app.send(preflight(other)).await), None, "preflight from {other}");
        assert_eq!(allow_origin(&app.send(post(other)).await), None, "POST from {other}");
        let refused = app.send(post_raw(&app, "Dialers/RemoveContact", "").header("origin", other)).await;
        assert_eq!(allow_origin(&refused), None, "a 0 from {other}");
    }
}

#[tokio::test]
async fn cors_flag_takes_a_list_of_origins() {
    let app = TestApp::spawn_with(&["--cors", "http://a.test,http://b.test"]).await;
    for (origin, allowed) in [("http://a.test", true), ("http://b.test", true), ("http://c.test", false)] {
        let reply = app.send(post_raw(&app, "Cdr/getrecords", "").header("origin", origin)).await;
        assert_eq!(allow_origin(&reply), allowed.then_some(origin), "{origin}");
    }
}

// Reading the form ---------------------------------------------------------------------------------

#[tokio::test]
async fn the_form_is_read_from_the_body_whatever_the_content_type() {
    let app = TestApp::spawn().await;
    for content_type in [
        Some("application/json"),
        Some("application/json; charset=UTF-8"),
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let send = |body: &'static str| {
            let mut request = post_raw(&app, "Dialers/RemoveContact", body);
            if let Some(ct) = content_type {
                request = request.header("content-type", ct);
            }
            app.send(request)
        };
        send("campaign=Ventas-%3E&number=1").await.assert_one();
        send("campaign=Nope-%3E&number=1").await.assert_zero();
    }
    // getrecords reads its filter the same way
    let request = post_raw(&app, "Cdr/getrecords", "searchLimit=3&filter=%7B%22campaign%22%3A%22Sales-%3E%22%7D")
        .header("content-type", "application/json");
    let rows = app.send(request).await.json();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert!(rows.as_array().unwrap().iter().all(|r| r["campaign"] == "Sales->"));
}

#[tokio::test]
async fn a_parameter_missing_from_the_body_is_read_from_the_query_string() {
    let app = TestApp::spawn().await;
    let to = |query: &str, body: &'static str| {
        app.client
            .post(format!("{}?{query}", app.url("Dialers/RemoveContact")))
            .header("authorization", format!("Basic {}", app.token))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    app.send(to("campaign=Ventas-%3E", "number=1")).await.assert_one();
    app.send(to("campaign=Ventas-%3E&number=1", "")).await.assert_one();
    // the body's parameter wins over the query string's
    app.send(to("campaign=Ventas-%3E", "campaign=Nope&number=1")).await.assert_zero();
    app.send(to("campaign=Nope", "campaign=Ventas-%3E&number=1")).await.assert_one();
}

#[tokio::test]
async fn unknown_parameters_are_ignored() {
    let app = TestApp::spawn().await;
    let form = [("Aleatorio", "1"), ("campaign", "Ventas->"), ("_", "1700000000000"), ("number", "1"), ("x", "")];
    app.post("Dialers/RemoveContact", &form).await.assert_one();
    let request = app
        .client
        .post(format!("{}?_=1700000000000&Aleatorio=1", app.url("Dialers/RemoveContact")))
        .header("authorization", format!("Basic {}", app.token))
        .body("campaign=Ventas-%3E&number=1");
    app.send(request).await.assert_one();
    let reply = app.post("Cdr/getrecords", &[("Aleatorio", "1"), ("_", "1700000000000"), ("searchLimit", "2")]).await;
    assert_eq!(reply.json().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_parameter_sent_twice_the_last_one_wins() {
    let app = TestApp::spawn().await;
    let send = |body: &'static str| app.post_body("Dialers/RemoveContact", body, Some(&app.token));
    send("campaign=Nope&number=1&campaign=Ventas-%3E").await.assert_one();
    send("campaign=Ventas-%3E&number=1&campaign=Nope").await.assert_zero();
    send("campaign=Ventas-%3E&number=&number=1").await.assert_one();
    send("campaign=Ventas-%3E&number=1&number=").await.assert_zero();
}

#[tokio::test]
async fn a_late_repeat_wins_and_a_form_naming_over_1024_parameters_is_refused_whole() {
    let app = TestApp::spawn().await;
    let filler = |n: usize| (0..n).map(|i| format!("f{i}=1")).collect::<Vec<_>>().join("&");
    let to = |query: String, body: String| {
        app.client
            .post(format!("{}?{query}", app.url("Dialers/RemoveContact")))
            .header("authorization", format!("Basic {}", app.token))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    // The repeat that wins comes after the 1,024th pair: 1,024 names in all.
    let query = format!("campaign=Nope&{}&number=1&campaign=Ventas-%3E", filler(1022));
    app.send(to(query, String::new())).await.assert_one();
    let body = format!("campaign=Nope&{}&number=1&campaign=Ventas-%3E", filler(1022));
    app.send(to(String::new(), body)).await.assert_one();
    // One name more, in the body, the query string or across both: refused, nothing done.
    let too_many = [
        (format!("campaign=Ventas-%3E&number=1&{}", filler(1023)), String::new()),
        (String::new(), format!("campaign=Ventas-%3E&number=1&{}", filler(1023))),
        ("campaign=Ventas-%3E&number=1".to_string(), filler(1023)),
    ];
    for (query, body) in too_many {
        let reply = app.send(to(query, body)).await;
        assert_eq!((reply.status, reply.body.as_str(), reply.content_type()), (400, "", None));
        assert_eq!(reply.reason(), Some("the form names more than 1024 parameters (body and query string together)"));
    }
}

#[tokio::test]
async fn percent_decoding_is_utf8_and_plus_is_a_space() {
    let app = TestApp::spawn().await;
    let send = |body: &'static str| app.post_body("Dialers/RemoveContact", body, Some(&app.token));
    send("campaign=nombreCampa%C3%B1a-%3E&number=12-345-678").await.assert_one();
    send("campaign=nombreCampa%C3%B1a%3C-&number=1").await.assert_one();
    send("campaign=nombreCampa%c3%b1a-%3e&number=1").await.assert_one();
    // the same name in Latin-1 is another (unknown) campaign; a name that differs by a space too
    send("campaign=nombreCampa%F1a-%3E&number=1").await.assert_zero();
    send("campaign=nombreCampa%C3%B1a+-%3E&number=1").await.assert_zero();

    // `+` is a space, `%2B` a plus, in values kept verbatim
    let body = "blacklist=%7B%22phone%22%3A%22099+123%2B4%22%2C%22campaign%22%3A%22nombreCampa%C3%B1a-%3E%22%2C\
                %22name%22%3A%22Jos%C3%A9+P%C3%A9rez%22%7D";
    app.post_body("admin/addblack", body, Some(&app.token)).await.assert_one();
    let rows = app.state("blacklist").await;
    let row = rows.as_array().unwrap().iter().find(|r| r["name"] == "José Pérez").expect("the entry");
    assert_eq!((&row["phone"], &row["campaign"]), (&json!("099 123+4"), &json!("nombreCampaña->")));
}

#[tokio::test]
async fn multipart_bodies_are_not_read() {
    let app = TestApp::spawn().await;
    // read as a form, its preamble would give campaign and number; read as multipart, its parts would
    let body = "campaign=Ventas-%3E&number=1&x=\r\n--XyZ\r\nContent-Disposition: form-data; name=\"campaign\"\r\n\r\n\
                Ventas->\r\n--XyZ\r\nContent-Disposition: form-data; name=\"number\"\r\n\r\n1\r\n--XyZ--\r\n";
    let multipart =
        post_raw(&app, "Dialers/RemoveContact", body).header("content-type", "multipart/form-data; boundary=XyZ");
    let reply = app.send(multipart).await;
    reply.assert_zero();
    // the same bytes labelled as a form are read
    app.post_body("Dialers/RemoveContact", body, Some(&app.token)).await.assert_one();
}

// Answers ------------------------------------------------------------------------------------------

#[tokio::test]
async fn one_and_zero_are_plain_text_without_a_trailing_newline() {
    let app = TestApp::spawn().await;
    let one = app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await;
    let zero = app.post("Dialers/RemoveContact", &[("campaign", "nope"), ("number", "1")]).await;
    assert_eq!((one.status, one.content_type(), one.body.as_bytes()), (200, Some(TEXT), &b"1"[..]));
    assert_eq!((zero.status, zero.content_type(), zero.body.as_bytes()), (200, Some(TEXT), &b"0"[..]));
    assert_eq!(TEXT, "text/plain; charset=UTF-8");
}

#[tokio::test]
async fn json_answers_are_application_json_utf8() {
    let app = TestApp::spawn().await;
    assert_eq!(JSON, "application/json; charset=UTF-8");
    let replies = [
        app.post("Cdr/getrecords", &[]).await,
        app.post("Cdr/getrecords", &[("filter", r#"{"campaign":"nope"}"#)]).await,
        app.post_anon("auth/getUserToken", &[("user", "admin"), ("password", "admin")]).await,
        app.post_anon("auth/UserLogin", &[("user", "Agente1"), ("password", "1234")]).await,
    ];
    for reply in replies {
        assert_eq!((reply.status, reply.content_type()), (200, Some(JSON)), "{}", reply.body);
        serde_json::from_str::<Value>(&reply.body).expect("JSON");
    }
}

#[tokio::test]
async fn every_refusal_carries_x_mock_reason() {
    let app = TestApp::spawn().await;
    let zeros = [
        app.post("Dialers/RemoveContact", &[("campaign", "nope"), ("number", "1")]).await,
        app.post("Dialers/Respool", &[]).await,
        app.post("Cdr/getrecords", &[("filter", "[]")]).await,
        app.post("admin/addblack", &[("blacklist", "{}")]).await,
        app.post_anon("auth/getUserToken", &[("user", "admin"), ("password", "no")]).await,
        app.post_anon("auth/EndSession", &[("user", "admin"), ("token", "bm9wZQ==")]).await,
    ];
    for reply in zeros {
        reply.assert_zero();
    }
    let bad = app.post("api/DispositionCall", &[]).await;
    assert_eq!(bad.status, 400);
    assert!(bad.reason().is_some_and(|r| !r.is_empty()), "400");
    let unauthorized = app.post_anon("Cdr/getrecords", &[]).await;
    assert_eq!(unauthorized.status, 401);
    assert!(unauthorized.reason().is_some_and(|r| !r.is_empty()), "401");
    let too_large = app.post_body("Dialers/Respool", respool_body_of_size(MIB + 1), Some(&app.token)).await;
    assert_eq!(too_large.status, 413);
    assert!(too_large.reason().is_some_and(|r| !r.is_empty()), "413");
}

#[tokio::test]
async fn bad_input_never_answers_500_nor_changes_state() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    let sessions = app.state("sessions").await;
    // The routes whose refusals are `0` (or getrecords' array, DispositionCall's 400).
    let routes = INTEGRA_ROUTES.into_iter().filter(|r| !r.starts_with("Agents/") && !r.starts_with("Supervisor/"));
    let bodies: [&[u8]; 14] = [
        b"",
        b"%",
        b"%ZZ=%ZZ&%",
        b"=&=&&==",
        b"\xff\xfe\x00\x01",
        b"{",
        b"[1,2,3]",
        b"null",
        b"blacklist=%7B&callspool=%5B%5D&call=%7B%7D&callschedule=1",
        b"filter=%5B1%5D&lastrow=-3",
        b"campaign=&number=&destination=&from=x&to=y",
        b"campaign=Ventas-%3E&destination=1&from=2026-01-05&to=2026-01-04",
        b"filename=a.txt&fileb64=%%%%&campaign=prueba1",
        b"user=%00&password=%00&token=%00",
    ];
    for route in routes {
        for body in bodies {
            let reply = app.post_body(route, body.to_vec(), Some(&app.token)).await;
            let what = format!("{route} {:?}", String::from_utf8_lossy(body));
            match reply.status {
                200 if route == "Cdr/getrecords" => assert!(reply.body == "0" || reply.body.starts_with('['), "{what}"),
                200 => {
                    assert_eq!(reply.body, "0", "{what}");
                    reply.assert_zero();
                }
                400 => assert_eq!(route, "api/DispositionCall", "{what}"),
                other => panic!("{what}: HTTP {other}"),
            }
        }
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.state("sessions").await, sessions);
}

// Body limits --------------------------------------------------------------------------------------

#[tokio::test]
async fn a_body_over_1_mib_is_refused_with_413_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    for size in [MIB + 1, 2 * MIB, 3 * MIB] {
        let reply = app.post_body("Dialers/Respool", respool_body_of_size(size), Some(&app.token)).await;
        assert_eq!(reply.status, 413, "{size} bytes");
        assert!(reply.reason().is_some_and(|r| !r.is_empty()), "413 carries X-Mock-Reason");
    }
    assert_eq!(app.snapshot().await, before);
    // exactly 1 MiB is not over the limit: the same callspool is filed
    app.post_body("Dialers/Respool", respool_body_of_size(MIB), Some(&app.token)).await.assert_one();
    assert_ne!(app.snapshot().await, before);
}

#[tokio::test]
async fn uploadbase_takes_bodies_over_1_mib() {
    let app = TestApp::spawn().await;
    let mut file = String::new();
    let mut n = 0;
    while file.len() < MIB + 100_000 {
        file.push_str(&format!("prueba1;09{n:07};idcustomer={n}:name=Cliente;;\n"));
        n += 1;
    }
    let fileb64 = base64::engine::general_purpose::STANDARD.encode(&file);
    for route in ["Dialers/uploadbase", "Dialers/uploadbasewithtimezone"] {
        let form = [
            ("filename", "base.txt"),
            ("fileb64", fileb64.as_str()),
            ("campaign", "prueba1"),
            ("timezone", "America/Montevideo"),
        ];
        let body = encode(&form);
        assert!(body.len() > MIB);
        let reply = app.post_body(route, body, Some(&app.token)).await;
        assert_eq!((reply.status, reply.content_type()), (200, Some(TEXT)), "{route}: {:?}", reply.reason());
        assert!(reply.body == "1" || reply.body == "0", "{route}: {}", reply.body);
    }
}

// The control API and the binary -------------------------------------------------------------------

#[tokio::test]
async fn mock_health_and_state_errors() {
    let app = TestApp::spawn().await;
    let health = app.send(app.client.get(format!("{}/_mock/health", app.base))).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({"status": "ok"}));
    let backup = app.send(app.client.get(format!("{}/_mock/health", app.backup))).await;
    assert_eq!(backup.status, 200);
    assert_eq!(backup.json(), json!({"status": "ok"}));

    let nope = app.send(app.client.get(format!("{}/_mock/state/nope", app.base))).await;
    assert_eq!(nope.status, 404);
    assert!(nope.content_type().is_some_and(|ct| ct.starts_with("application/json")), "{:?}", nope.content_type());
    assert!(nope.json()["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", nope.body);
}

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `http://127.0.0.1:<port>` with a non-zero port: the port.
fn port_of(url: &str) -> u16 {
    let port = url.strip_prefix("http://127.0.0.1:").unwrap_or_else(|| panic!("not a local URL: {url}"));
    let port: u16 = port.parse().unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_ne!(port, 0, "{url}");
    port
}

#[tokio::test]
async fn the_binary_prints_its_ports_and_its_health_subcommand_checks_them() {
    let binary = env!("CARGO_BIN_EXE_ucontact-mock");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--backup-listen",
        "127.0.0.1:0",
        "--db",
        ":memory:",
        "--clock",
        "manual",
        "--seed",
        "7",
    ];
    let mut child =
        Child(Command::new(binary).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("it starts"));
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).expect("a first line within a minute");
    let line = line.trim_end_matches('\n');

    let rest = line.strip_prefix("listening main=").unwrap_or_else(|| panic!("banner: {line:?}"));
    let (main, backup) = rest.split_once(" backup=").unwrap_or_else(|| panic!("banner: {line:?}"));
    let (main_port, backup_port) = (port_of(main), port_of(backup));
    assert_ne!(main_port, backup_port);

    let client = reqwest::Client::new();
    for url in [main, backup] {
        let reply = crate::helpers::read(client.get(format!("{url}/_mock/health")).send().await.unwrap()).await;
        assert_eq!((reply.status, reply.json()), (200, json!({"status": "ok"})), "{url}");
    }

    let status = Command::new(binary).args(["health", main]).stderr(Stdio::null()).status().unwrap();
    assert!(status.success(), "health against the running mock: {status}");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let status = Command::new(binary)
        .args(["health", &format!("http://127.0.0.1:{closed}")])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "health against a closed port: {status}");
    drop(child);
}

#[tokio::test]
async fn oversized_headers_answer_431_and_change_nothing() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    let body = encode(&[("blacklist", r#"{"phone":"099111222","campaign":"*"}"#)]);
    let request = post_raw(&app, "admin/addblack", body).header("x-big", "a".repeat(MIB));
    let reply = app.send(request).await;
    assert_eq!(reply.status, 431);
    assert_eq!(app.snapshot().await, before);
}
