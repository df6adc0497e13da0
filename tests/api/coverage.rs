//! Contract coverage (docs/contract.md, section 13): `GET /_mock/coverage` counts each answer
//! branch and form field of every Integra route, in JSON, Markdown and JUnit XML, and
//! `ucontact-mock coverage --fail-under` gates a CI job on it.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{CALL, INTEGRA_ROUTES, Reply, TestApp, encode};

const GUID: &str = "7e4e7db9-f080-494e-b04b-7c8e47711558";

async fn coverage(app: &TestApp, query: &str) -> Reply {
    app.send(app.client.get(format!("{}/_mock/coverage{query}", app.base))).await
}

async fn report(app: &TestApp, query: &str) -> Value {
    let reply = coverage(app, query).await;
    assert_eq!((reply.status, reply.content_type()), (200, Some("application/json")), "{}", reply.body);
    reply.json()
}

/// A request whose Content-Length is over every route's limit, without the body: answered 413 at once.
async fn declared_too_large(app: &TestApp, route: &str) -> u16 {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("the mock listens");
    let head = format!(
        "POST /Integra/resources/{route} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 300000000\r\n\r\n",
        app.token
    );
    stream.write_all(head.as_bytes()).await.expect("sent");
    let mut answer = vec![0u8; 12];
    stream.read_exact(&mut answer).await.expect("an answer");
    String::from_utf8_lossy(&answer[9..12]).parse().expect("a status")
}

async fn post_with(app: &TestApp, route: &str, token: Option<&str>, form: &[(&str, &str)]) -> Reply {
    app.post_body(route, encode(form), token).await
}

fn json_field(name: &'static str, value: Value) -> (&'static str, String) {
    (name, value.to_string())
}

/// A request of the corpus: its route, its form, and the status and body it is answered (an
/// empty body: any).
type Case = (&'static str, Vec<(&'static str, String)>, (u16, &'static str));

/// Requests that reach every branch every route declares.
fn corpus() -> Vec<Case> {
    let s = |v: &str| v.to_string();
    let call = crate::dialers::task;
    let spool = json!({"campaign": "Ventas->", "destination": "098344484"});
    let schedule = json!({"calldate": "2015-10-11 15:00:00", "campaign": "Sales->", "destination": "098344484"});
    let disposition = |l1: &str, schedule: &str| {
        vec![
            ("campaign", s("Ventas->")),
            ("agent", s("Agente1")),
            ("callerid", s("099111222")),
            ("guid", s(GUID)),
            ("l1", s(l1)),
            ("schedule", s(schedule)),
        ]
    };
    let agent_call = |changes: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&'static str, String)> = CALL.iter().map(|(k, v)| (*k, s(v))).collect();
        for (k, v) in changes {
            form.iter_mut().find(|(name, _)| name == k).unwrap().1 = s(v);
        }
        form
    };
    // Records with no, plain and typed alternatives, then a line rejected for each reason.
    let file: &[u8] =
        b"Ventas->;098344484\nVentas->;098344485;;099124484:099111111\nVentas->;098344486;;H=0=999555555\n\
        \xff\nVentas->;1;;;;;x\nVentas->\nOther->;1\nVentas->;\nVentas->;1;;;0\nVentas->;1;;;;9999\n";
    let csv = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, file);
    let upload = |campaign: &str, fileb64: &str| {
        vec![("filename", s("base.csv")), ("fileb64", s(fileb64)), ("campaign", s(campaign))]
    };
    let with_zone = |zone: &str| {
        let mut form = upload("Ventas->", &csv);
        form.push(("timezone", s(zone)));
        form
    };
    let mut not_base64 = with_zone("America/Montevideo");
    not_base64[1].1 = s("!!!!");
    let remove = |from: &str, to: &str| {
        vec![("campaign", s("Sales->")), ("destination", s("098344484")), ("from", s(from)), ("to", s(to))]
    };
    let (from, to) = ("2015-10-11 00:00:00", "2015-10-11 23:59:59");
    let mut corpus = vec![
        ("auth/getUserToken", vec![("user", s("admin")), ("password", s("admin"))], (200, "")),
        ("auth/getUserToken", vec![("user", s("admin"))], (200, "0")),
        ("auth/getUserToken", vec![("user", s("admin")), ("password", s("no"))], (200, "0")),
        ("auth/UserLogin", vec![("user", s("admin")), ("password", s("admin"))], (200, "")),
        ("auth/UserLogin", vec![("password", s("admin"))], (200, "0")),
        ("auth/UserLogin", vec![("user", s("nobody")), ("password", s("admin"))], (200, "0")),
        ("auth/EndSession", vec![("user", s("admin"))], (200, "0")),
        ("auth/EndSession", vec![("user", s("admin")), ("token", s("bm9wZQ=="))], (200, "0")),
        // (EndSession's `1` is exercised by `ended_token` below.)
        ("Agents/AgentCall", agent_call(&[]), (200, "")),
        ("Agents/AgentCall", agent_call(&[]), (200, "0")),
        ("Agents/AgentCall", agent_call(&[("callerid", "")]), (200, "0")),
        ("Agents/AgentCall", agent_call(&[("outqueue", "Nope->")]), (200, "0")),
        ("Agents/AgentCall", agent_call(&[("phone", "9999")]), (200, "0")),
        ("Agents/HangupPhone", vec![("phone", s("1001"))], (200, "1")),
        ("Agents/HangupPhone", vec![("phone", s("1001"))], (200, "0")),
        ("Agents/HangupPhone", vec![], (200, "0")),
        ("Agents/AgentCallwithData", agent_call(&[]), (200, "")),
        ("Agents/AgentCallwithData", agent_call(&[]), (200, "0")),
        ("Agents/AgentCallwithData", agent_call(&[("destination", "")]), (200, "0")),
        ("Agents/AgentCallwithData", agent_call(&[("outqueue", "Nope->")]), (200, "0")),
        ("Agents/AgentCallwithData", agent_call(&[("phone", "9999")]), (200, "0")),
        ("Agents/TagRecord", vec![("guid", s(GUID)), ("data", s("x"))], (200, "")),
        ("api/DispositionCall", disposition("Venta", ""), (200, "")),
        ("api/DispositionCall", disposition("No contesta", ""), (200, "")),
        ("api/DispositionCall", disposition("Otro numero", ""), (200, "")),
        ("api/DispositionCall", disposition("No llamar", ""), (200, "")),
        ("api/DispositionCall", disposition("Volver a llamar", "2026-01-06 15:30:00"), (200, "")),
        ("api/DispositionCall", vec![("agent", s("Agente1"))], (400, "")),
        ("api/DispositionCall", vec![("campaign", s("Ventas->"))], (400, "")),
        ("api/DispositionCall", vec![("campaign", s("Ventas->")), ("callerid", s("1"))], (400, "")),
        ("api/DispositionCall", vec![("campaign", s("Ventas->")), ("callerid", s("1")), ("guid", s(GUID))], (400, "")),
        (
            "api/DispositionCall",
            vec![("campaign", s("Ventas->")), ("callerid", s("1")), ("guid", s(GUID)), ("agent", s("Agente1"))],
            (400, ""),
        ),
        ("api/DispositionCall", disposition("Nada", ""), (400, "")),
        ("api/DispositionCall", disposition("Volver a llamar", ""), (400, "")),
        ("api/DispositionCall", disposition("Volver a llamar", "mañana"), (400, "")),
        ("Cdr/getrecords", vec![], (200, "")),
        ("Cdr/getrecords", vec![("lastrow", s("10")), ("searchLimit", s("5"))], (200, "")),
        (
            "Cdr/getrecords",
            vec![json_field(
                "filter",
                json!({"calldatei": "2026-01-01 00:00:00", "calldatef": "2026-01-05 09:00:00", "agent": "Agente1",
                       "campaign": "Ventas->", "source": "1", "destination": "1", "data": "x", "range": "08:00-20:00",
                       "rating": 1, "mindur": 1, "exclude": "x", "type": "record", "cont": 1}),
            )],
            (200, "[]"),
        ),
        ("Cdr/getrecords", vec![json_field("filter", json!({"campaign": "Nope->"}))], (200, "[]")),
        ("Cdr/getrecords", vec![("lastrow", s("-1"))], (200, "0")),
        ("Cdr/getrecords", vec![("filter", s("{"))], (200, "0")),
        ("Cdr/getrecords", vec![json_field("filter", json!([]))], (200, "0")),
        ("Cdr/getrecords", vec![json_field("filter", json!({"calldatei": "ayer"}))], (200, "0")),
        ("Dialers/Respool", vec![json_field("callspool", spool.clone())], (200, "1")),
        ("Dialers/Respool", vec![json_field("callspool", json!({"campaign": "Ventas->"}))], (200, "0")),
        ("Dialers/Respool", vec![("callspool", s("{"))], (200, "0")),
        ("Dialers/Respool", vec![json_field("callspool", json!([spool]))], (200, "0")),
        (
            "Dialers/Respool",
            vec![json_field("callspool", json!({"campaign": "Ventas->", "destination": "1", "contact": -1}))],
            (200, "0"),
        ),
        (
            "Dialers/Respool",
            vec![json_field("callspool", json!({"campaign": "Nope->", "destination": "1"}))],
            (200, "0"),
        ),
        (
            "Dialers/Respool",
            vec![json_field("callspool", json!({"campaign": "Ventas->", "destination": "1", "agentphone": "9"}))],
            (200, "0"),
        ),
        ("Dialers/ScheduleDialerCall", vec![json_field("callschedule", schedule.clone())], (200, "1")),
        ("Dialers/ScheduleDialerCall", vec![], (200, "0")),
        ("Dialers/ScheduleDialerCall", vec![("callschedule", s("{"))], (200, "0")),
        ("Dialers/ScheduleDialerCall", vec![json_field("callschedule", json!("text"))], (200, "0")),
        (
            "Dialers/ScheduleDialerCall",
            vec![json_field(
                "callschedule",
                json!({"calldate": "2015-10-11 15:00:00", "campaign": "Sales->", "destination": 1.5}),
            )],
            (200, "0"),
        ),
        (
            "Dialers/ScheduleDialerCall",
            vec![json_field(
                "callschedule",
                json!({"calldate": "11/10/2015", "campaign": "Sales->", "destination": "1"}),
            )],
            (200, "0"),
        ),
        (
            "Dialers/ScheduleDialerCall",
            vec![json_field(
                "callschedule",
                json!({"calldate": "2015-10-11 15:00:00", "campaign": "Nope->", "destination": "1"}),
            )],
            (200, "0"),
        ),
        (
            "Dialers/ScheduleDialerCall",
            vec![json_field(
                "callschedule",
                json!({"calldate": "2015-10-11 15:00:00", "campaign": "Sales->", "destination": "1", "agentphone": "9"}),
            )],
            (200, "0"),
        ),
        ("Dialers/DialerTask", vec![json_field("call", call(json!({})))], (200, "1")),
        ("Dialers/DialerTask", vec![json_field("call", json!({"campaign": "Ventas->"}))], (200, "0")),
        ("Dialers/DialerTask", vec![("call", s("{"))], (200, "0")),
        ("Dialers/DialerTask", vec![json_field("call", json!([1]))], (200, "0")),
        ("Dialers/DialerTask", vec![json_field("call", call(json!({"bulk": "yes"})))], (200, "0")),
        ("Dialers/DialerTask", vec![json_field("call", call(json!({"calldate": "ayer"})))], (200, "0")),
        ("Dialers/DialerTask", vec![json_field("call", call(json!({"campaign": "Nope->"})))], (200, "0")),
        ("Dialers/DialerTask", vec![json_field("call", call(json!({"agent": "Agente99"})))], (200, "0")),
        (
            "Dialers/DialerTask",
            vec![json_field("call", call(json!({"campaign": "nombreCampaña->", "bulk": true, "automatic": false})))],
            (200, "0"),
        ),
        ("Dialers/RemoveContact", vec![("campaign", s("Ventas->")), ("number", s("098344484"))], (200, "1")),
        ("Dialers/RemoveContact", vec![("campaign", s("Ventas->"))], (200, "0")),
        ("Dialers/RemoveContact", vec![("campaign", s("Nope->")), ("number", s("1"))], (200, "0")),
        ("Dialers/RemoveScheduleDialerCall", remove(from, to), (200, "1")),
        ("Dialers/RemoveScheduleDialerCall", remove("", to), (200, "0")),
        ("Dialers/RemoveScheduleDialerCall", remove("ayer", to), (200, "0")),
        ("Dialers/RemoveScheduleDialerCall", remove(to, from), (200, "0")),
        (
            "Dialers/RemoveScheduleDialerCall",
            vec![("campaign", s("Nope->")), ("destination", s("1")), ("from", s(from)), ("to", s(to))],
            (200, "0"),
        ),
        ("Dialers/uploadbase", upload("Ventas->", &csv), (200, "1")),
        ("Dialers/uploadbase", upload("", &csv), (200, "0")),
        ("Dialers/uploadbase", upload("Nope->", &csv), (200, "0")),
        ("Dialers/uploadbase", upload("Ventas->", "!!!!"), (200, "0")),
        ("Dialers/uploadbasewithtimezone", with_zone("America/Montevideo"), (200, "1")),
        ("Dialers/uploadbasewithtimezone", upload("", &csv), (200, "0")),
        ("Dialers/uploadbasewithtimezone", upload("Nope->", &csv), (200, "0")),
        ("Dialers/uploadbasewithtimezone", with_zone("Mars/Olympus"), (200, "0")),
        ("Dialers/uploadbasewithtimezone", not_base64, (200, "0")),
        ("Supervisor/queuesummary", vec![], (200, "")),
        ("Supervisor/campaignstatus", vec![("queue", s("Ventas->"))], (200, "")),
        ("Supervisor/convert", vec![("guid", s(GUID)), ("folder", s("20160118"))], (200, "1")),
        ("Supervisor/convert", vec![("folder", s("20160118"))], (200, "0")),
        (
            "Supervisor/convert",
            vec![("guid", s("00000000-0000-4000-8000-000000000000")), ("folder", s("20160118"))],
            (200, "0"),
        ),
        ("Supervisor/convert", vec![("guid", s(GUID)), ("folder", s("20160119"))], (200, "0")),
    ];
    for route in ["admin/addblack", "admin/deleteblack"] {
        corpus.extend([
            (route, vec![json_field("blacklist", json!({"phone": "099", "campaign": "*"}))], (200, "1")),
            (route, vec![json_field("blacklist", json!({"phone": "099"}))], (200, "0")),
            (route, vec![("blacklist", s("{"))], (200, "0")),
            (route, vec![json_field("blacklist", json!([]))], (200, "0")),
            (route, vec![json_field("blacklist", json!({"phone": 1.5, "campaign": "*"}))], (200, "0")),
        ]);
    }
    for route in ["admin/addblackbulk", "admin/deleteblackbulk"] {
        corpus.extend([
            (route, vec![json_field("blacklist", json!([{"phone": "099", "campaign": "*"}]))], (200, "1")),
            (route, vec![json_field("blacklist", json!([{"phone": "099"}]))], (200, "0")),
            (route, vec![("blacklist", s("["))], (200, "0")),
            (route, vec![json_field("blacklist", json!({}))], (200, "0")),
            (route, vec![json_field("blacklist", json!([{"phone": 1.5, "campaign": "*"}]))], (200, "0")),
        ]);
    }
    corpus
}

/// Every answer of the recordings of both hosts, in each folder and format.
async fn exercise_the_recordings(app: &TestApp) {
    let get = |url: String, headers: Vec<(&'static str, String)>| {
        let mut request = app.client.get(url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request
    };
    for (host, base) in [("main", app.base.clone()), ("backup", app.backup.clone())] {
        for path in [
            format!("20160118/{GUID}.mp3"),
            format!("20160118/{GUID}.gsm"),
            format!("{GUID}.mp3"),
            format!("{GUID}.gsm"),
        ] {
            app.send(get(format!("{base}/records/{path}"), vec![])).await;
        }
        let missing = app.send(get(format!("{base}/records/00000000-0000-4000-8000-000000000000.mp3"), vec![])).await;
        assert_eq!(missing.status, 404);
        let place = json!({"host": host, "folder": "dated", "format": "mp3"});
        let pinned =
            app.send(app.client.post(format!("{}/_mock/recordings/{GUID}", app.base)).body(place.to_string())).await;
        assert_eq!(pinned.status, 200, "{}", pinned.body);
        let url = format!("{base}/records/20160118/{GUID}.mp3");
        let whole = app.send(get(url.clone(), vec![])).await;
        assert_eq!(whole.status, 200, "{host}");
        let etag = whole.headers.get("etag").unwrap().to_str().unwrap().to_string();
        assert_eq!(app.send(get(url.clone(), vec![("range", "bytes=0-9".into())])).await.status, 206);
        assert_eq!(app.send(get(url.clone(), vec![("if-none-match", etag)])).await.status, 304);
        assert_eq!(app.send(get(url, vec![("range", "bytes=999999999-".into())])).await.status, 416);
    }
}

/// Sends the corpus, a 413 to every route, the three 401s to every route that needs a token,
/// EndSession's `1`, and every answer of the recordings.
async fn exercise_every_branch(app: &TestApp) {
    for (route, form, (status, body)) in corpus() {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = app.post(route, &form).await;
        assert_eq!(reply.status, status, "{route} {form:?}: {} {:?}", reply.body, reply.reason());
        if !body.is_empty() {
            assert_eq!(reply.body, body, "{route} {form:?}: {:?}", reply.reason());
        }
    }
    let ended = login(app).await;
    app.post("auth/EndSession", &[("user", "admin"), ("token", &ended)]).await.assert_one();
    for route in INTEGRA_ROUTES {
        assert_eq!(declared_too_large(app, route).await, 413, "{route}");
        if route.starts_with("auth/") {
            continue;
        }
        for token in [None, Some("bm8gc3VjaCB0b2tlbg=="), Some(ended.as_str())] {
            assert_eq!(post_with(app, route, token, &[]).await.status, 401, "{route} {token:?}");
        }
    }
    exercise_the_portal(app).await;
    // Last: it moves the example call's recording, which the corpus converts where it was.
    exercise_the_recordings(app).await;
    // The uploads are parsed (the manual clock answers once they are): their records are counted.
    let uploads = app.state("uploads").await;
    assert!(uploads.as_array().unwrap().iter().all(|u| u["status"] == "done"), "{uploads}");
}

/// Each porthole action through Agente1's portal, done and refused, and the portal's refusals.
async fn exercise_the_portal(app: &TestApp) {
    let action = |user: &'static str, data: String| async move {
        app.send(app.client.post(format!("{}/_mock/portal/{user}", app.base)).body(data)).await
    };
    let call = json!({"action": "call", "campaign": "Sale->", "callerid": "29001111", "destination": "091000000"});
    let with_phone = json!({"action": "callWithPhone", "campaign": "Sale->", "destination": "091000001"});
    let respool = json!({"campaign": "Ventas->", "destination": "099111222"});
    let dialer = json!({"campaign": "Ventas->", "destination": "099555666"});
    let any = None;
    // The corpus left Agente1 in a call: hung up first.
    let sequence = [
        (json!({"action": "hangup"}), "result", any.clone()),
        (json!({"action": "CTI"}), "CTI", Some(Value::Null)),
        (call.clone(), "guid", any.clone()),
        (json!({"action": "CTI"}), "CTI", any.clone()),
        (call, "guid", Some(json!("0"))),
        (json!({"action": "hangup"}), "result", Some(json!("1"))),
        (json!({"action": "hangup"}), "result", Some(json!("0"))),
        (with_phone, "guid", any.clone()),
        (json!({"action": "hangup"}), "result", Some(json!("1"))),
        (json!({"action": "callWithPhone", "campaign": "Nope->", "destination": "1"}), "guid", Some(json!("0"))),
        (json!({"action": "tag", "guid": GUID, "message": "vip"}), "result", Some(json!("1"))),
        (json!({"action": "respool", "objetoRespool": respool}), "result", Some(json!("1"))),
        (json!({"action": "respool", "objetoRespool": 7}), "result", Some(json!("0"))),
        (
            json!({"action": "schedule", "callDate": "2030-10-10 15:00:00", "objectDialer": dialer}),
            "result",
            Some(json!("1")),
        ),
        (json!({"action": "schedule", "callDate": "2030-10-10 15:00:00"}), "result", Some(json!("0"))),
        (json!({"action": "dance"}), "result", Some(json!("0"))),
    ];
    for (data, key, expected) in sequence {
        let reply = action("Agente1", data.to_string()).await;
        assert_eq!(reply.status, 200, "{data}: {}", reply.body);
        let got = &reply.json()["data"][key];
        match expected {
            None => assert!(got.is_string() || got.is_object(), "{data}: {}", reply.body),
            Some(expected) => assert_eq!(got, &expected, "{data}: {}", reply.body),
        }
    }
    assert_eq!(action("Agente1", "{not json".into()).await.status, 400);
    assert_eq!(action("Nobody", json!({"action": "CTI"}).to_string()).await.status, 404);
}

async fn login(app: &TestApp) -> String {
    let reply = app.post_anon("auth/getUserToken", &[("user", "admin"), ("password", "admin")]).await;
    reply.json()[2].as_str().expect("a token").to_string()
}

/// The declared set equals what the routes answer: the corpus reaches every declared branch of
/// every route (100%), and none of its answers falls outside the declared set.
#[tokio::test]
async fn every_declared_branch_is_reachable_and_no_answer_falls_outside_them() {
    let app = TestApp::spawn().await;
    exercise_every_branch(&app).await;
    let report = report(&app, "").await;
    let routes = report["routes"].as_array().unwrap();
    let named: Vec<&str> = routes.iter().map(|r| r["route"].as_str().unwrap()).collect();
    let mut expected = INTEGRA_ROUTES.to_vec();
    expected.extend(["records@main", "records@backup", "portal"]);
    expected.sort();
    let mut got = named.clone();
    got.sort();
    assert_eq!(got, expected, "every Integra route is declared");
    assert_eq!(report["uncovered"], json!([]), "every declared branch was reached");
    for route in routes {
        assert_eq!(route["undeclared"], json!([]), "{}", route["route"]);
        assert_eq!(route["other"], json!([]), "{}", route["route"]);
        // The corpus sends only fields the routes know, flattened forms included.
        assert_eq!(route["unknown_fields"], json!([]), "{}", route["route"]);
    }
    let fields = |name: &str| -> Vec<String> {
        let route = routes.iter().find(|r| r["route"] == name).unwrap();
        route["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect()
    };
    let with_data = fields("Agents/AgentCallwithData");
    assert!(
        ["callerid", "phone", "outqueue", "data", "form"].iter().all(|f| with_data.contains(&f.to_string())),
        "{with_data:?}"
    );
    let zoned = fields("Dialers/uploadbasewithtimezone");
    assert!(
        ["filename", "fileb64", "campaign", "timezone"].iter().all(|f| zoned.contains(&f.to_string())),
        "{zoned:?}"
    );
    assert_eq!(report["score"]["covered"], report["score"]["declared"]);
    assert_eq!(report["score"]["percent"], json!(100.0));
    // Each upload's file held one record or line of each kind, counted once it was parsed.
    for name in ["Dialers/uploadbase", "Dialers/uploadbasewithtimezone"] {
        let route = routes.iter().find(|r| r["route"] == name).unwrap();
        let counts: Vec<(&str, u64)> = route["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["branch"].as_str().unwrap(), d["count"].as_u64().unwrap()))
            .collect();
        assert_eq!(counts.len(), 10, "{name}: {counts:?}");
        assert!(counts.iter().all(|(_, n)| *n == 1), "{name}: {counts:?}");
    }
}

/// The counts of one route after a suite of known shape, field by field.
#[tokio::test]
async fn a_known_suite_gives_exact_counts_of_branches_fields_unknown_names_and_faults() {
    let app = TestApp::spawn().await;
    app.send(app.client.delete(format!("{}/_mock/coverage", app.base))).await;
    let entry = json!({"phone": "099", "campaign": "*"}).to_string();
    app.post("admin/addblack", &[("blacklist", &entry)]).await.assert_one();
    app.post("admin/addblack", &[("blacklist", &entry), ("campaing", "x")]).await.assert_one();
    app.post("admin/addblack", &[("blacklist", "")]).await.assert_zero();
    app.post("admin/addblack", &[]).await.assert_zero();
    assert_eq!(post_with(&app, "admin/addblack", None, &[]).await.status, 401);
    let fault = json!({"path": "/Integra/resources/admin/addblack", "answer": "0", "times": 1});
    app.send(app.client.post(format!("{}/_mock/faults", app.base)).json(&fault)).await;
    app.post("admin/addblack", &[("blacklist", &entry)]).await.assert_zero();

    let report = report(&app, "").await;
    let route = report["routes"].as_array().unwrap().iter().find(|r| r["route"] == "admin/addblack").unwrap();
    let counts: BTreeMap<&str, u64> = route["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["branch"].as_str().unwrap(), b["count"].as_u64().unwrap()))
        .collect();
    let expected: BTreeMap<&str, u64> = [
        ("1", 2),
        ("0:missing-field", 1),
        // An empty blacklist is JSON text that is not JSON.
        ("0:not-json", 1),
        ("0:json-shape", 0),
        ("0:bad-value", 0),
        ("401:missing", 1),
        ("401:unknown", 0),
        ("401:ended", 0),
        ("413", 0),
    ]
    .into();
    assert_eq!(counts, expected);
    assert_eq!(route["requests"], json!(6));
    assert_eq!(route["score"], json!({"covered": 4, "declared": 9, "percent": 44.4}));
    // Of the four requests whose form the route read (not the 401, nor the fault's forced answer).
    assert_eq!(route["fields"], json!([{"field": "blacklist", "required": true, "value": 2, "empty": 1, "absent": 1}]));
    assert_eq!(route["unknown_fields"], json!([{"field": "campaing", "count": 1, "closest": null}]));
    assert_eq!(route["faults"], json!([{"name": "answer", "count": 1}]));
    // A forced answer is no branch of the route's: counted as a fault and as an answer below the API.
    assert_eq!(route["other"], json!([{"status": 200, "count": 1}]));
    assert_eq!(route["undeclared"], json!([]));
}

/// Eight clients at once, a known mix each: the counts are exact.
#[tokio::test]
async fn counts_are_exact_under_eight_parallel_clients() {
    let app = TestApp::spawn().await;
    app.send(app.client.delete(format!("{}/_mock/coverage", app.base))).await;
    let entry = json!({"phone": "099", "campaign": "*"}).to_string();
    let clients = (0..8).map(|_| async {
        for _ in 0..25 {
            app.post("admin/addblack", &[("blacklist", &entry)]).await.assert_one();
            app.post("admin/addblack", &[("blacklist", "{")]).await.assert_zero();
            app.post("Supervisor/queuesummary", &[]).await;
        }
    });
    futures_util::future::join_all(clients).await;
    let report = report(&app, "?instance=default").await;
    let find = |route: &str| report["routes"].as_array().unwrap().iter().find(|r| r["route"] == route).unwrap().clone();
    let blacklist = find("admin/addblack");
    assert_eq!(blacklist["requests"], json!(400));
    assert_eq!(blacklist["branches"][0], json!({"branch": "1", "count": 200, "means": "Done: `1`."}));
    assert_eq!(blacklist["branches"][2]["branch"], json!("0:not-json"));
    assert_eq!(blacklist["branches"][2]["count"], json!(200));
    assert_eq!(blacklist["fields"][0]["value"], json!(400));
    assert_eq!(find("Supervisor/queuesummary")["branches"][0]["count"], json!(200));
}

/// Counts outlive the instance: a reset, a deletion; `?instance=` narrows; DELETE forgets.
#[tokio::test]
async fn counts_survive_reset_and_deletion_and_narrow_to_an_instance() {
    let app = TestApp::spawn().await;
    let other = |route: &str| {
        app.client
            .post(app.url(route))
            .header("x-mock-instance", "other")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(&[("user", "admin"), ("password", "admin")]))
    };
    assert_eq!(app.send(other("auth/getUserToken")).await.status, 200);
    app.send(app.client.post(format!("{}/_mock/reset", app.base)).header("x-mock-instance", "other")).await;
    assert_eq!(app.send(app.client.delete(format!("{}/_mock/instances/other", app.base))).await.status, 200);
    let json_count = |report: &Value| {
        let route = report["routes"].as_array().unwrap().iter().find(|r| r["route"] == "auth/getUserToken").unwrap();
        route["branches"][0]["count"].as_u64().unwrap()
    };
    assert_eq!(json_count(&report(&app, "?instance=other").await), 1);
    // The test app's own login, and this one.
    assert_eq!(json_count(&report(&app, "").await), 2);
    assert_eq!(json_count(&report(&app, "?instance=default").await), 1);
    assert_eq!(json_count(&report(&app, "?instance=never").await), 0);
    app.send(app.client.delete(format!("{}/_mock/coverage?instance=other", app.base))).await;
    assert_eq!(json_count(&report(&app, "?instance=other").await), 0);
    assert_eq!(json_count(&report(&app, "").await), 2, "the totals keep what the instance had");
    app.send(app.client.delete(format!("{}/_mock/coverage", app.base))).await;
    assert_eq!(json_count(&report(&app, "").await), 0);

    let bad = coverage(&app, "?format=pdf").await;
    assert_eq!((bad.status, bad.json()), (400, json!({"error": "format \"pdf\": give json, md or junit"})));
    let bad = coverage(&app, "?instanse=x").await;
    assert_eq!((bad.status, bad.json()), (400, json!({"error": "unknown parameter \"instanse\": instance, format"})));
}

/// Markdown and JUnit say what JSON says.
#[tokio::test]
async fn markdown_and_junit_show_the_same_numbers() {
    let app = TestApp::spawn().await;
    app.send(app.client.delete(format!("{}/_mock/coverage", app.base))).await;
    let entry = json!({"phone": "099", "campaign": "*"}).to_string();
    app.post("admin/addblack", &[("blacklist", &entry), ("campaing", "x")]).await.assert_one();
    app.post("admin/addblack", &[("blacklist", "{")]).await.assert_zero();

    let md = coverage(&app, "?format=md").await;
    assert_eq!((md.status, md.content_type()), (200, Some("text/markdown; charset=utf-8")));
    let declared = report(&app, "").await["score"]["declared"].as_u64().unwrap();
    let percent = (2.0 * 1000.0 / declared as f64).floor() / 10.0;
    let first = format!("## Contract coverage: 2 of {declared} branches ({percent:.1}%)\n");
    assert!(md.body.starts_with(&first), "{}", md.body);
    assert!(md.body.contains("\n| `admin/addblack` | 2 | 2 of 9 | 22.2% |\n"), "{}", md.body);
    assert!(md.body.contains("\n| `auth/EndSession` | 0 | 0 of 4 | 0.0% |\n"), "{}", md.body);
    assert!(
        md.body.contains("\n- `admin/addblack`: `0:missing-field`, `0:json-shape`, `0:bad-value`, `401:missing`, `401:unknown`, `401:ended`, `413`\n"),
        "{}",
        md.body
    );
    assert!(md.body.contains("\n- `admin/addblack`: `campaing` sent 1 times\n"), "{}", md.body);

    let xml = coverage(&app, "?format=junit").await;
    assert_eq!((xml.status, xml.content_type()), (200, Some("application/xml")));
    let skipped = declared - 2;
    assert!(xml.body.contains(&format!("tests=\"{declared}\" skipped=\"{skipped}\" failures=\"0\">")), "{}", xml.body);
    assert!(xml.body.contains("  <testsuite name=\"admin/addblack\" tests=\"9\" skipped=\"7\" failures=\"0\">\n"));
    assert!(xml.body.contains(
        "    <testcase classname=\"admin/addblack\" name=\"1\" time=\"0\"><system-out>exercised 1 times</system-out></testcase>\n"
    ));
    assert!(xml.body.contains("    <testcase classname=\"admin/addblack\" name=\"0:json-shape\" time=\"0\"><skipped message=\"never exercised: JSON of the wrong shape: not an object, not an array, not text where text goes.\"/></testcase>\n"));
    assert_eq!(xml.body.matches("<testcase ").count() as u64, declared);
}

/// `ucontact-mock coverage URL --fail-under PCT`: exit 1 under it, 0 at or over it.
#[tokio::test]
async fn the_cli_fails_under_the_threshold_and_passes_over_it() {
    let app = TestApp::spawn().await;
    app.send(app.client.delete(format!("{}/_mock/coverage", app.base))).await;
    app.post("Supervisor/queuesummary", &[]).await;
    let declared = report(&app, "").await["score"]["declared"].as_f64().unwrap();
    let percent = (1000.0 / declared).floor() / 10.0;
    let base = app.base.clone();
    let run = move |args: Vec<String>| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ucontact-mock"))
            .arg("coverage")
            .arg(&base)
            .args(args)
            .output()
            .expect("the binary runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = tokio::task::spawn_blocking({
        let run = run.clone();
        move || run(vec!["--fail-under".into(), "50".into()])
    })
    .await
    .unwrap();
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.starts_with(&format!("## Contract coverage: 1 of {declared} branches ({percent:.1}%)")), "{out}");
    assert!(err.contains("under --fail-under 50"), "{err}");
    let (code, out, _) = tokio::task::spawn_blocking({
        let run = run.clone();
        move || run(vec!["--fail-under".into(), format!("{percent}"), "--format".into(), "json".into()])
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0));
    let parsed: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(parsed["score"]["covered"], json!(1));
    let (code, out, _) =
        tokio::task::spawn_blocking(move || run(vec!["--format".into(), "junit".into()])).await.unwrap();
    assert_eq!(code, Some(0));
    assert!(out.starts_with("<?xml"), "{out}");
}

/// `--coverage-out FILE`: the server writes the report as it stops on SIGTERM, in the format the
/// file's name asks for.
#[tokio::test]
async fn a_server_writes_its_report_when_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("coverage.md");
    let mut server = crate::helpers::Binary::start(&["--coverage-out", out.to_str().unwrap()]);
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{}/Integra/resources/auth/getUserToken", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user=admin&password=admin")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let signal = std::process::Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status();
    assert!(signal.unwrap().success());
    let status = tokio::task::spawn_blocking(move || {
        let status = server.child.wait().expect("it stops");
        drop(server);
        status
    })
    .await
    .unwrap();
    assert!(status.success(), "{status:?}");
    let md = std::fs::read_to_string(&out).expect("the report was written");
    assert!(md.starts_with("## Contract coverage: 1 of "), "{md}");
    assert!(md.contains("\n| `auth/getUserToken` | 1 | 1 of 4 | 25.0% |\n"), "{md}");
}

/// A typo'd field: the answer is the vendor's, `X-Mock-Lint` names the mistake, the journal keeps
/// it, the report counts it with the first request that had it; `--lint-allow` silences it.
#[tokio::test]
async fn a_client_mistake_is_linted_on_the_wire_in_the_journal_and_in_the_report() {
    let app = TestApp::spawn().await;
    let reply = app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("numbre", "098344484")]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "0"));
    assert_eq!(
        reply.headers.get("x-mock-lint").unwrap(),
        "unknown-field: numbre is no field of Dialers/RemoveContact (did you mean number?)"
    );
    let clean = app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "098344484")]).await;
    assert_eq!((clean.body.as_str(), clean.headers.get("x-mock-lint")), ("1", None));
    let journal = app
        .send(app.client.get(format!("{}/_mock/requests?path=/Integra/resources/Dialers/RemoveContact", app.base)))
        .await;
    let entries = journal.json();
    assert_eq!(
        entries[0]["lint"],
        json!("unknown-field: numbre is no field of Dialers/RemoveContact (did you mean number?)")
    );
    assert!(entries[1].get("lint").is_none(), "{}", entries[1]);
    let seq = entries[0]["seq"].clone();
    let report = report(&app, "").await;
    let route = report["routes"].as_array().unwrap().iter().find(|r| r["route"] == "Dialers/RemoveContact").unwrap();
    assert_eq!(
        route["lints"],
        json!([{"lint": "unknown-field", "count": 1, "first_instance": "default", "first_seq": seq}])
    );
    assert_eq!(route["unknown_fields"], json!([{"field": "numbre", "count": 1, "closest": "number"}]));

    // A form labelled JSON and a token after its EndSession.
    let labelled = app
        .client
        .post(app.url("Supervisor/campaignstatus"))
        .header("content-type", "application/json")
        .header("authorization", format!("Basic {}", app.token))
        .body("queue=Ventas-%3E");
    let reply = app.send(labelled).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.headers.get("x-mock-lint").unwrap(),
        "content-type: a form labelled application/json: send application/x-www-form-urlencoded"
    );
    let token = login(&app).await;
    app.post("auth/EndSession", &[("user", "admin"), ("token", &token)]).await.assert_one();
    let reply = post_with(&app, "Supervisor/queuesummary", Some(&token), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.headers.get("x-mock-lint").unwrap(),
        "ended-token: this token's session was ended by EndSession: log in again"
    );

    // GET where the vendor documents POST: its 405, journaled and counted with the lint.
    let wrong = app.send(app.client.get(app.url("Dialers/RemoveContact"))).await;
    assert_eq!((wrong.status, wrong.body.as_str()), (405, ""));
    let said = "wrong-method: GET Dialers/RemoveContact: the vendor documents POST (answered 405)";
    assert_eq!(wrong.headers.get("x-mock-lint").unwrap(), said);
    let journal = app
        .send(app.client.get(format!("{}/_mock/requests?path=/Integra/resources/Dialers/RemoveContact", app.base)))
        .await;
    let last = journal.json().as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["method"].clone(), last["status"].clone(), last["lint"].clone()),
        (json!("GET"), json!(405), json!(said))
    );
    let report = super::coverage::report(&app, "").await;
    let route = report["routes"].as_array().unwrap().iter().find(|r| r["route"] == "Dialers/RemoveContact").unwrap();
    let lint = route["lints"].as_array().unwrap().iter().find(|l| l["lint"] == "wrong-method").unwrap().clone();
    assert_eq!((lint["count"].clone(), lint["first_seq"].clone()), (json!(1), last["seq"].clone()));

    let quiet = TestApp::spawn_with(&["--lint-allow", "unknown-field,content-type,wrong-method"]).await;
    let reply = quiet.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("numbre", "1")]).await;
    assert_eq!((reply.body.as_str(), reply.headers.get("x-mock-lint")), ("0", None));
    let wrong = quiet.send(quiet.client.get(quiet.url("Dialers/RemoveContact"))).await;
    assert_eq!((wrong.status, wrong.headers.get("x-mock-lint")), (405, None));
    let refused = crate::helpers::ci_args(&["--lint-allow", "typo"]).unwrap_err().to_string();
    assert!(refused.contains("\"typo\" is no lint; the lints are unknown-field, repeated-field"), "{refused}");
}
