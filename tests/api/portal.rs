//! The pages' control routes on the wire: the agent portal's view and porthole actions
//! (`/_mock/portal/<user>`), the dashboard's overview and convert button, and the pages themselves.
//! The browser tests (`tests/browser/`) drive the same routes through the real porthole.js.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

const JSON_TYPE: &str = "application/json";

async fn get(app: &TestApp, path: &str) -> Reply {
    app.send(app.client.get(format!("{}{path}", app.base))).await
}

async fn post(app: &TestApp, path: &str, body: &str) -> Reply {
    app.send(app.client.post(format!("{}{path}", app.base)).body(body.to_string())).await
}

/// A porthole action sent by the page in Agente1's portal: `(data, reason)` of the answer.
async fn action(app: &TestApp, data: Value) -> (Value, Value) {
    let reply = post(app, "/_mock/portal/Agente1", &data.to_string()).await;
    assert_eq!((reply.status, reply.content_type()), (200, Some(JSON_TYPE)), "{}", reply.body);
    let answer = reply.json();
    (answer["data"].clone(), answer["reason"].clone())
}

#[tokio::test]
async fn the_portal_logs_its_agent_in_and_shows_the_phone() {
    let app = TestApp::spawn().await;
    let logout = post(&app, "/_mock/agents/Agente1", r#"{"action": "logout"}"#).await;
    assert_eq!(logout.status, 200);
    let before = get(&app, "/_mock/portal/Agente1").await;
    assert_eq!(
        (before.status, before.json()["logged_in"].clone(), before.json()["status"].clone()),
        (200, json!(false), json!(5))
    );

    let login = post(&app, "/_mock/portal/Agente1/login", "").await;
    assert_eq!((login.status, login.content_type()), (200, Some(JSON_TYPE)));
    assert_eq!(
        login.json(),
        json!({
            "user": "Agente1", "name": "Santiago", "phone": "1001", "tech": "SIP", "logged_in": true,
            "paused": false, "pausedreason": "", "status": 1, "phase": null, "now": "2026-01-05 09:00:00", "CTI": null
        })
    );

    for path in ["/_mock/portal/Nobody", "/_mock/portal/Nobody/login"] {
        let reply = if path.ends_with("login") { post(&app, path, "").await } else { get(&app, path).await };
        assert_eq!((reply.status, reply.json()), (404, json!({"error": "no agent \"Nobody\""})), "{path}");
    }
    let reply = post(&app, "/_mock/portal/Nobody", r#"{"action": "CTI"}"#).await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn porthole_actions_answer_in_the_vendors_shapes() {
    let app = TestApp::spawn().await;
    let (placed, reason) = action(
        &app,
        json!({"action": "call", "campaign": "Sale->", "callerid": "29001111", "destination": "091000000"}),
    )
    .await;
    assert_eq!(reason, Value::Null);
    let guid = placed["guid"].as_str().expect("a guid").to_string();
    assert_eq!(placed, json!({"guid": guid}));

    let (cti, _) = action(&app, json!({"action": "CTI"})).await;
    assert_eq!(
        cti,
        json!({"CTI": {"Guid": guid, "Screen": "TRUE", "Form": "", "Campaign": "Sale->",
        "Callerid": "091000000", "ParAndValues": "", "Beep": "FALSE", "Answer": "FALSE"}})
    );
    assert_eq!(app.state("calls").await[0]["callerid"], "29001111", "call sends its own callerid");
    let view = get(&app, "/_mock/portal/Agente1").await.json();
    assert_eq!(
        (view["CTI"].clone(), view["phase"].clone(), view["status"].clone()),
        (cti["CTI"].clone(), json!("ringing"), json!(6))
    );

    // Refusals keep each action's shape and say why.
    let (busy, reason) =
        action(&app, json!({"action": "callWithPhone", "campaign": "Sale->", "destination": "091000001"})).await;
    assert_eq!((busy, reason), (json!({"guid": "0"}), json!("phone 1001 is already in a call")));
    let (unknown, reason) = action(&app, json!({"action": "dance"})).await;
    assert_eq!((unknown, reason), (json!({"result": "0"}), json!("unknown action \"dance\"")));
    let (not_object, _) = action(&app, json!("CTI")).await;
    assert_eq!(not_object, json!({"result": "0"}));
    let (no_respool, _) = action(&app, json!({"action": "respool", "objetoRespool": 7})).await;
    assert_eq!(no_respool, json!({"result": "0"}));
    let (bad_respool, reason) = action(&app, json!({"action": "respool", "objetoRespool": {"campaign": "Nope"}})).await;
    assert_eq!(bad_respool, json!({"result": "0"}));
    assert!(reason.as_str().is_some_and(|r| !r.is_empty()));
    let reply = post(&app, "/_mock/portal/Agente1", "{not json").await;
    assert_eq!((reply.status, reply.content_type()), (400, Some(JSON_TYPE)));

    assert_eq!(action(&app, json!({"action": "tag", "guid": guid, "message": "vip"})).await.0, json!({"result": "1"}));
    assert_eq!(action(&app, json!({"action": "hangup"})).await.0, json!({"result": "1"}));
    assert_eq!(
        action(&app, json!({"action": "hangup"})).await,
        (json!({"result": "0"}), json!("phone \"1001\" is not in a call"))
    );
    app.advance(1).await;
    let cdrs = app.state("cdrs").await;
    let notes: Vec<&Value> =
        cdrs.as_array().unwrap().iter().filter(|c| c["guid"] == guid).map(|c| &c["note"]).collect();
    assert!(!notes.is_empty() && notes.iter().all(|n| *n == "vip"), "{notes:?}");

    // callWithPhone takes the campaign's callerid.
    let (second, _) =
        action(&app, json!({"action": "callWithPhone", "campaign": "Sale->", "destination": "091000002"})).await;
    let calls = app.state("calls").await;
    assert_eq!(calls[0]["guid"], second["guid"]);
    assert_eq!((calls[0]["callerid"].clone(), calls[0]["customer"].clone()), (json!("24001234"), json!("091000002")));

    // respool takes an object or its JSON text; schedule maps callDate and objectDialer.
    let respool = json!({"campaign": "Ventas->", "destination": "099111222", "data": "id=7", "priority": 5});
    assert_eq!(action(&app, json!({"action": "respool", "objetoRespool": respool})).await.0, json!({"result": "1"}));
    let as_text = json!({"action": "respool", "objetoRespool": respool.to_string().replace("099111222", "099111333")});
    assert_eq!(action(&app, as_text).await.0, json!({"result": "1"}));
    let spool = app.state("spool").await;
    let mut destinations: Vec<&str> =
        spool.as_array().unwrap().iter().filter_map(|s| s["destination"].as_str()).collect();
    destinations.sort_unstable();
    assert_eq!(destinations, ["099111222", "099111333"]);
    let schedule = json!({"action": "schedule", "callDate": "2030-10-10 15:00:00",
        "objectDialer": {"campaign": "Ventas->", "destination": "099555666", "alternatives": "099555667",
                         "agentphone": "1010", "data": "id=8", "retries": 3, "status": 1}});
    assert_eq!(action(&app, schedule).await.0, json!({"result": "1"}));
    let schedules = app.state("schedules").await;
    let row = &schedules[0];
    assert_eq!(
        [
            &row["calldate"],
            &row["campaign"],
            &row["destination"],
            &row["alternatives"],
            &row["agentphone"],
            &row["data"]
        ],
        [
            &json!("2030-10-10 15:00:00"),
            &json!("Ventas->"),
            &json!("099555666"),
            &json!("099555667"),
            &json!("1010"),
            &json!("id=8")
        ]
    );
    let bad_date = json!({"action": "schedule", "callDate": "10/10/2030", "objectDialer": {"campaign": "Ventas->", "destination": "1"}});
    assert_eq!(action(&app, bad_date).await.0, json!({"result": "0"}));
}

/// A dialer call's CTI object carries its lead as a Respool object (`Dialer`).
#[tokio::test]
async fn a_dialer_calls_cti_carries_its_lead() {
    let app = TestApp::spawn().await;
    let lead = json!({"campaign": "Ventas->", "destination": "099000111", "alternatives": "099000222",
        "data": "id=1", "contact": 4242, "retries": 2, "priority": 7, "agentphone": "1001"});
    assert_eq!(action(&app, json!({"action": "respool", "objetoRespool": lead})).await.0, json!({"result": "1"}));
    let mut cti = Value::Null;
    for _ in 0..120 {
        app.advance(1).await;
        cti = action(&app, json!({"action": "CTI"})).await.0["CTI"].clone();
        if cti["Dialer"].is_object() {
            break;
        }
    }
    assert_eq!(cti["Campaign"], "Ventas->", "{cti}");
    // The entry as the dialer holds it now (with seed 7 the main number was busy, so its
    // alternative became the number, as docs/contract.md, section 4's RESPOOLALTERNATIVE does).
    let spool = app.state("spool").await;
    let entry = spool.as_array().unwrap().iter().find(|s| s["contact"] == 4242).expect("the entry").clone();
    assert_eq!((cti["Callerid"].clone(), cti["ParAndValues"].clone()), (entry["destination"].clone(), json!("id=1")));
    let mut dialer = json!({"status": 1});
    for key in [
        "campaign",
        "destination",
        "data",
        "alternatives",
        "retries",
        "contact",
        "dialerbase",
        "priority",
        "agentphone",
    ] {
        dialer[key] = entry[key].clone();
    }
    assert_eq!(cti["Dialer"], dialer);
    assert_eq!(
        (dialer["contact"].clone(), dialer["priority"].clone(), dialer["agentphone"].clone()),
        (json!(4242), json!(7), json!("1001"))
    );
    // It is a Respool object: sent back as one, it updates the same entry.
    let respool = json!({"action": "respool", "objetoRespool": cti["Dialer"]});
    assert_eq!(action(&app, respool).await.0, json!({"result": "1"}));
    let spool = app.state("spool").await;
    assert_eq!(spool.as_array().unwrap().iter().filter(|s| s["contact"] == 4242).count(), 1);
}

#[tokio::test]
async fn the_overview_is_bounded_and_live() {
    let app = TestApp::spawn().await;
    let reply = get(&app, "/_mock/overview").await;
    assert_eq!((reply.status, reply.content_type()), (200, Some(JSON_TYPE)));
    let o = reply.json();
    assert_eq!(o["instance"], "default");
    assert_eq!(o["clock"], json!({"now": "2026-01-05 09:00:00", "mode": "manual"}));
    let names: Vec<&str> = o["campaigns"].as_array().unwrap().iter().filter_map(|c| c["campaign"].as_str()).collect();
    assert_eq!(names.len(), 10);
    assert_eq!(o["campaigns"][0]["kind"], "power");
    assert_eq!(o["agents"].as_array().map(Vec::len), Some(8));
    assert_eq!(o["calls"], json!([]));
    let cdrs = o["cdrs"].as_array().unwrap();
    assert_eq!(cdrs.len(), 25, "the newest 25 calls of the history");
    assert!(cdrs.windows(2).all(|w| w[0]["calldate"].as_str() >= w[1]["calldate"].as_str()), "newest first");

    // Reading it draws no internalActionId: a seeded client sees the same ids with a dashboard open.
    let first = app.post("Supervisor/campaignstatus", &[("queue", "Out<-")]).await.json();
    for _ in 0..3 {
        assert_eq!(get(&app, "/_mock/overview").await.status, 200);
    }
    let second = app.post("Supervisor/campaignstatus", &[("queue", "Out<-")]).await.json();
    let id = |v: &Value| {
        v["SIP/1001"]["internalActionId"]
            .as_str()
            .unwrap_or_default()
            .rsplit('_')
            .next()
            .unwrap_or_default()
            .parse::<u64>()
            .unwrap_or(0)
    };
    assert_eq!(id(&second), id(&first) + 1, "{first}\n{second}");

    let guid = post(&app, "/_mock/calls", r#"{"campaign": "Out<-", "from": "099777888"}"#).await.json()["guid"].clone();
    let o = get(&app, "/_mock/overview").await.json();
    assert_eq!(o["calls"][0]["guid"], guid);
    app.advance(900).await;
    let o = get(&app, "/_mock/overview").await.json();
    assert_eq!(o["cdrs"][0]["guid"], guid);
    let recording = &o["cdrs"][0]["recording"];
    assert!(recording["path"].as_str().is_some_and(|p| p.contains(guid.as_str().unwrap())), "{recording}");
}

#[tokio::test]
async fn the_dashboards_convert_button_converts_where_the_file_lives() {
    let app = TestApp::spawn().await;
    let guid = "7e4e7db9-f080-494e-b04b-7c8e47711558";
    let reply = post(&app, &format!("/_mock/recordings/{guid}/convert"), "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json(),
        json!({"guid": guid, "host": "backup", "converted": format!("/records/20160118/{guid}.mp3")})
    );
    let mp3 = app.send(app.client.get(format!("{}/records/20160118/{guid}.mp3", app.backup))).await;
    assert_eq!((mp3.status, mp3.content_type()), (200, Some("audio/mpeg")));
    let o = get(&app, "/_mock/overview").await;
    assert_eq!(o.status, 200);

    let pinned =
        post(&app, &format!("/_mock/recordings/{guid}"), r#"{"host": "main", "folder": "root", "format": "mp3"}"#)
            .await;
    assert_eq!(pinned.status, 200);
    let reply = post(&app, &format!("/_mock/recordings/{guid}/convert"), "").await;
    assert_eq!(reply.status, 400, "an MP3 has nothing to convert");
    let reply = post(&app, "/_mock/recordings/00000000-0000-4000-8000-000000000000/convert", "").await;
    assert_eq!((reply.status, reply.content_type()), (404, Some(JSON_TYPE)));
}

#[tokio::test]
async fn the_pages_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let backup_port = app.running.backup.port().to_string();
    for (path, content_type, contains) in [
        ("/", "text/html; charset=utf-8", format!(r#"<meta name="backup-port" content="{backup_port}">"#)),
        ("/portal", "text/html; charset=utf-8", "<title>Agent portal".to_string()),
        ("/portal?agent=Agente2&url=https://crm.example", "text/html; charset=utf-8", "portal.js".to_string()),
        ("/portal/example", "text/html; charset=utf-8", r#"<script src="/portal/porthole.min.js">"#.to_string()),
        ("/assets/style.css", "text/css; charset=utf-8", ":root".to_string()),
        ("/assets/ui.js", "text/javascript; charset=utf-8", "export async function api".to_string()),
        ("/assets/dashboard.js", "text/javascript; charset=utf-8", "/_mock/overview".to_string()),
        ("/assets/portal.js", "text/javascript; charset=utf-8", "sourceWindowName".to_string()),
        ("/portal/porthole.LICENSE", "text/plain; charset=utf-8", "Ternary Labs".to_string()),
    ] {
        let reply = get(&app, path).await;
        assert_eq!((reply.status, reply.content_type()), (200, Some(content_type)), "{path}");
        assert!(reply.body.contains(&contains), "{path} holds {contains}");
        assert!(!reply.body.contains("https://cdn"), "{path} needs no CDN");
    }
    let porthole = app.send(app.client.get(format!("{}/portal/porthole.min.js", app.base))).await;
    assert_eq!(porthole.body.as_bytes(), ucontact_mock::web::PORTHOLE);
    assert!(porthole.body.starts_with("(function(f){var b=false"));
    assert_eq!(get(&app, "/assets/nothing.js").await.status, 404);
    assert_eq!(get(&app, "/assets/%2e%2e%2fCargo.toml").await.status, 404);
    assert_eq!(get(&app, "/assets/..%2fstyle.css").await.status, 404);
    // porthole.js 1.0.0 byte for byte (the SHA-256 the npm package porthole-proxy@0.0.1 carries).
    let digest = ring::digest::digest(&ring::digest::SHA256, ucontact_mock::web::PORTHOLE);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "1d3afda6336f7d0f7be27360f7b7c44c8c2b42ded87bc058c764560db41f72a1");
}
