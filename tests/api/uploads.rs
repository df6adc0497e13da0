//! Dialers/uploadbase and Dialers/uploadbasewithtimezone (docs/contract.md, sections 1 and 7): `1` at once,
//! then the base file parsed in the background (finished before the next answer under the manual
//! clock) into spool rows and a job report; `0` refusals that change nothing.

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{TestApp, encode};

/// The manual clock's start: every row written by these tests is stamped with it.
const NOW: &str = "2026-01-05 09:00:00";

/// The vendor's base line.
const SEED_LINE: &str = "prueba1;098344484;var1=val1:var2=val2;099124484:099111111;9999;1001";

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An upload's job report as the control API shows it.
fn report(id: i64, fields: Value) -> Value {
    let mut row = json!({"id": id, "filename": "", "campaign": "", "username": "admin", "timezone": null,
                         "cant": null, "status": "done", "read": 0, "accepted": 0, "rejected": 0, "note": null,
                         "created_at": NOW, "finished_at": NOW, "rejections": []});
    for (k, v) in fields.as_object().unwrap() {
        assert!(row.get(k).is_some(), "upload reports have no key {k}");
        row[k] = v.clone();
    }
    row
}

/// A spool row filled by an upload.
fn spool_row(id: i64, fields: Value) -> Value {
    let mut row = json!({"id": id, "campaign": "", "destination": "", "dialerbase": "", "status": 1, "data": "",
                         "alternatives": "", "contact": id, "retries": 0, "priority": 100, "agentphone": "",
                         "timezone": null, "source": "upload", "upload": 1, "state": "pending",
                         "created_at": NOW, "updated_at": NOW,
                         "not_before": null, "last_result": null});
    for (k, v) in fields.as_object().unwrap() {
        assert!(row.get(k).is_some(), "spool rows have no key {k}");
        row[k] = v.clone();
    }
    row
}

/// `(line, reason)` of a report's rejections.
fn rejections(report: &Value) -> Vec<(i64, String)> {
    report["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_i64().unwrap(), r["reason"].as_str().unwrap().to_string()))
        .collect()
}

/// Each form is refused with `0` (text/plain, `X-Mock-Reason`) and leaves every table as it was.
async fn assert_refused(app: &TestApp, route: &str, cases: &[(&str, Vec<(&str, &str)>)]) {
    let cases: Vec<(String, String)> = cases.iter().map(|(case, form)| (case.to_string(), encode(form))).collect();
    app.assert_refused(route, &cases).await;
}

#[tokio::test]
async fn uploadbase_of_the_seed_line_fills_the_spool_and_reports_done() {
    let app = TestApp::spawn().await;
    let file = b64(SEED_LINE);
    let reply = app
        .post(
            "Dialers/uploadbase",
            &[("filename", "base.txt"), ("fileb64", &file), ("campaign", "prueba1"), ("cant", "1")],
        )
        .await;
    reply.assert_one();
    assert_eq!(
        app.state("uploads").await,
        json!([report(
            1,
            json!({"filename": "base.txt", "campaign": "prueba1", "cant": "1", "read": 1, "accepted": 1})
        )])
    );
    assert_eq!(
        app.state("spool").await,
        json!([spool_row(
            1,
            json!({"campaign": "prueba1", "destination": "098344484", "dialerbase": "base.txt",
                   "data": "var1=val1:var2=val2", "alternatives": "099124484:099111111", "priority": 9999,
                   "agentphone": "1001"})
        )])
    );
}

#[tokio::test]
async fn uploadbasewithtimezone_stores_the_zone_on_the_report_and_every_record() {
    let app = TestApp::spawn().await;
    let file = b64(format!("{SEED_LINE}\nprueba1;099000002\n"));
    let form = [
        ("filename", "bogota.csv"),
        ("fileb64", file.as_str()),
        ("campaign", "prueba1"),
        ("cant", "2"),
        ("timezone", "America/Bogota"),
    ];
    app.post("Dialers/uploadbasewithtimezone", &form).await.assert_one();
    assert_eq!(
        app.state("uploads").await,
        json!([report(
            1,
            json!({"filename": "bogota.csv", "campaign": "prueba1", "cant": "2", "timezone": "America/Bogota",
                   "read": 2, "accepted": 2})
        )])
    );
    assert_eq!(
        app.state("spool").await,
        json!([
            spool_row(
                1,
                json!({"campaign": "prueba1", "destination": "098344484", "dialerbase": "bogota.csv",
                       "data": "var1=val1:var2=val2", "alternatives": "099124484:099111111", "priority": 9999,
                       "agentphone": "1001", "timezone": "America/Bogota"})
            ),
            spool_row(
                2,
                json!({"campaign": "prueba1", "destination": "099000002", "dialerbase": "bogota.csv",
                       "timezone": "America/Bogota"})
            ),
        ])
    );
}

#[tokio::test]
async fn a_mixed_file_reports_each_rejected_line_and_keeps_the_rest() {
    let app = TestApp::spawn().await;
    let mut file: Vec<u8> = Vec::new();
    for line in [
        &b"prueba1;0990000001;id=1:name=Ana;0990000101;5;1001\r\n"[..], // 1 accepted, CRLF
        b"\r\n",                                                        // 2 blank
        b"prueba1;0990000002;id=2;\n",                                  // 3 accepted, trailing ;
        b"Ventas->;0990000004;id=4\n",                                  // 4 wrong campaign
        b"   \n",                                                       // 5 blank (spaces)
        b"prueba1;;id=6\n",                                             // 6 empty main number
        b"prueba1;0990000007;id=7;;alta\r\n",                           // 7 priority not a number
        b"prueba1;0990000008;name=Jos\xe9\n",                           // 8 Latin-1, not UTF-8
        b"prueba1;12-345-678;k=v;H=0=999555555;;1010;\n",               // 9 accepted, all six and a trailing ;
        b"\n",                                                          // 10 blank
    ] {
        file.extend_from_slice(line);
    }
    let file = b64(&file);
    let form = [("filename", "mixed.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1"), ("cant", "7")];
    app.post("Dialers/uploadbase", &form).await.assert_one();

    let uploads = app.state("uploads").await;
    assert_eq!(uploads.as_array().unwrap().len(), 1);
    let job = &uploads[0];
    let mut counts = job.clone();
    counts["rejections"] = json!([]);
    assert_eq!(
        counts,
        report(
            1,
            json!({"filename": "mixed.txt", "campaign": "prueba1", "cant": "7", "read": 7, "accepted": 3,
                   "rejected": 4})
        ),
        "7 records read (blank lines are not records), 3 accepted, 4 rejected; cant agrees: no note"
    );
    let rejected = rejections(job);
    assert_eq!(rejected.iter().map(|(line, _)| *line).collect::<Vec<_>>(), vec![4, 6, 7, 8]);
    for (line, reason) in &rejected {
        assert!(!reason.trim().is_empty(), "line {line} is rejected without a reason");
    }
    assert!(rejected[0].1.contains("Ventas->"), "line 4: {}", rejected[0].1);
    assert!(rejected[1].1.contains("main number"), "line 6: {}", rejected[1].1);
    assert!(rejected[2].1.contains("alta"), "line 7: {}", rejected[2].1);
    assert!(rejected[3].1.contains("UTF-8"), "line 8: {}", rejected[3].1);

    assert_eq!(
        app.state("spool").await,
        json!([
            spool_row(
                1,
                json!({"campaign": "prueba1", "destination": "0990000001", "dialerbase": "mixed.txt",
                       "data": "id=1:name=Ana", "alternatives": "0990000101", "priority": 5, "agentphone": "1001"})
            ),
            spool_row(
                2,
                json!({"campaign": "prueba1", "destination": "0990000002", "dialerbase": "mixed.txt",
                       "data": "id=2"})
            ),
            spool_row(
                3,
                json!({"campaign": "prueba1", "destination": "12-345-678", "dialerbase": "mixed.txt",
                       "data": "k=v", "alternatives": "H=0=999555555", "agentphone": "1010"})
            ),
        ])
    );
}

#[tokio::test]
async fn a_cant_that_disagrees_is_noted_not_fatal() {
    let app = TestApp::spawn().await;
    let file = b64(format!("{SEED_LINE}\nprueba1;099000002\n"));
    for cant in ["5", "1", "dos"] {
        let form = [("filename", "base.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1"), ("cant", cant)];
        app.post("Dialers/uploadbase", &form).await.assert_one();
    }
    // The same file with cant right, empty, or absent: no note.
    for cant in [Some("2"), Some(""), None] {
        let mut form = vec![("filename", "base.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1")];
        form.extend(cant.map(|c| ("cant", c)));
        app.post("Dialers/uploadbase", &form).await.assert_one();
    }
    let uploads = app.state("uploads").await;
    let uploads = uploads.as_array().unwrap();
    assert_eq!(uploads.len(), 6);
    for (job, cant) in uploads[..3].iter().zip(["5", "1", "dos"]) {
        assert_eq!(
            (&job["status"], &job["read"], &job["accepted"], &job["rejected"], &job["cant"]),
            (&json!("done"), &json!(2), &json!(2), &json!(0), &json!(cant)),
            "cant {cant} does not stop the upload"
        );
        let note = job["note"].as_str().unwrap_or_else(|| panic!("cant {cant} vs 2 records: no note in {job}"));
        assert!(note.contains(cant) && note.contains('2'), "the note names both counts: {note}");
    }
    for job in &uploads[3..] {
        assert_eq!((&job["status"], &job["accepted"], &job["note"]), (&json!("done"), &json!(2), &Value::Null));
    }
    assert_eq!(app.state("spool").await.as_array().unwrap().len(), 12, "every upload filled the spool");
}

#[tokio::test]
async fn username_defaults_to_the_tokens_user() {
    let app = TestApp::spawn().await;
    let file = b64(SEED_LINE);
    let base = [("filename", "base.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1")];
    app.post("Dialers/uploadbase", &base).await.assert_one();
    let mut named = base.to_vec();
    named.push(("username", "Agente1"));
    app.post("Dialers/uploadbase", &named).await.assert_one();
    let mut empty = base.to_vec();
    empty.push(("username", ""));
    app.post("Dialers/uploadbase", &empty).await.assert_one();
    // Another user's token.
    let login = app.post_anon("auth/getUserToken", &[("user", "Agente2"), ("password", "1234")]).await.json();
    let token = login[2].as_str().unwrap();
    app.post_body("Dialers/uploadbase", encode(&base), Some(token)).await.assert_one();
    let users: Vec<Value> =
        app.state("uploads").await.as_array().unwrap().iter().map(|u| u["username"].clone()).collect();
    assert_eq!(users, vec![json!("admin"), json!("Agente1"), json!("admin"), json!("Agente2")]);
}

#[tokio::test]
async fn records_keep_their_fields_verbatim_in_a_non_ascii_campaign() {
    let app = TestApp::spawn().await;
    let file = b64("nombreCampaña->;+598 99 123 456;nombre=José Pérez:ciudad=Montevideo;H=0=999555555:12-345-678;2\n");
    let form = [("filename", "año 2026.csv"), ("fileb64", file.as_str()), ("campaign", "nombreCampaña->")];
    app.post("Dialers/uploadbase", &form).await.assert_one();
    assert_eq!(
        app.state("spool").await,
        json!([spool_row(
            1,
            json!({"campaign": "nombreCampaña->", "destination": "+598 99 123 456", "dialerbase": "año 2026.csv",
                   "data": "nombre=José Pérez:ciudad=Montevideo", "alternatives": "H=0=999555555:12-345-678",
                   "priority": 2})
        )])
    );
}

#[tokio::test]
async fn a_utf8_byte_order_mark_is_not_part_of_the_first_record() {
    let app = TestApp::spawn().await;
    let file = b64(format!("\u{feff}{SEED_LINE}\r\n"));
    let form = [("filename", "excel.csv"), ("fileb64", file.as_str()), ("campaign", "prueba1")];
    app.post("Dialers/uploadbase", &form).await.assert_one();
    let job = &app.state("uploads").await[0];
    assert_eq!((&job["read"], &job["accepted"], &job["rejected"]), (&json!(1), &json!(1), &json!(0)), "{job}");
}

#[tokio::test]
async fn a_file_of_blank_lines_is_done_with_nothing_read() {
    let app = TestApp::spawn().await;
    let file = b64("\n\r\n  \n");
    let form = [("filename", "empty.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1"), ("cant", "0")];
    app.post("Dialers/uploadbase", &form).await.assert_one();
    assert_eq!(
        app.state("uploads").await,
        json!([report(1, json!({"filename": "empty.txt", "campaign": "prueba1", "cant": "0"}))])
    );
    assert_eq!(app.state("spool").await, json!([]));
}

#[tokio::test]
async fn blacklisted_numbers_are_accepted_into_the_list() {
    let app = TestApp::spawn().await;
    let entry = json!({"phone": "098344484", "campaign": "prueba1"}).to_string();
    app.post("admin/addblack", &[("blacklist", &entry)]).await.assert_one();
    let file = b64(SEED_LINE);
    app.post("Dialers/uploadbase", &[("filename", "b.txt"), ("fileb64", &file), ("campaign", "prueba1")])
        .await
        .assert_one();
    let job = &app.state("uploads").await[0];
    assert_eq!((&job["accepted"], &job["rejected"]), (&json!(1), &json!(0)));
    assert_eq!(app.state("spool").await[0]["destination"], "098344484");
}

#[tokio::test]
async fn a_base_of_many_records_over_one_mib_is_read_whole() {
    let app = TestApp::spawn().await;
    let mut text = String::new();
    let bad = [5_001usize, 30_000];
    for n in 1..=30_000usize {
        if bad.contains(&n) {
            text.push_str(&format!("Ventas->;09{n:08};id={n}:src=bulk\n"));
        } else {
            text.push_str(&format!("prueba1;09{n:08};id={n}:src=bulk;;;\n"));
        }
    }
    let file = b64(&text);
    assert!(file.len() > 1024 * 1024, "the body is over the 1 MiB limit of other routes");
    let cant = "30000";
    let form = [("filename", "big.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1"), ("cant", cant)];
    app.post("Dialers/uploadbase", &form).await.assert_one();
    let job = &app.state("uploads").await[0];
    assert_eq!(
        (&job["status"], &job["read"], &job["accepted"], &job["rejected"], &job["note"]),
        (&json!("done"), &json!(30_000), &json!(29_998), &json!(2), &Value::Null)
    );
    assert_eq!(rejections(job).iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![5_001, 30_000]);
    let spool = app.state("spool").await;
    let spool = spool.as_array().unwrap();
    assert_eq!(spool.len(), 29_998);
    assert_eq!(spool[5_000]["destination"], "0900005002", "line 5001 was skipped, not its neighbours");
}

#[tokio::test]
async fn fileb64_sent_with_line_breaks_or_an_unencoded_plus_is_read() {
    let app = TestApp::spawn().await;
    // `>>>` encodes to `Pj4+`: a client that forgets to encode the form sends that `+` as a space.
    let line = "prueba1;099000001;k=>>>";
    let file = b64(line);
    assert!(file.contains('+'));
    let raw = format!("filename=raw.txt&campaign=prueba1&fileb64={file}");
    app.post_body("Dialers/uploadbase", raw, Some(&app.token)).await.assert_one();
    // MIME-style base64 broken into lines.
    let long = b64(format!("{SEED_LINE}\n").repeat(3));
    let wrapped: String =
        long.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\r\n");
    app.post("Dialers/uploadbase", &[("filename", "mime.txt"), ("fileb64", &wrapped), ("campaign", "prueba1")])
        .await
        .assert_one();
    let uploads = app.state("uploads").await;
    let accepted: Vec<&Value> = uploads.as_array().unwrap().iter().map(|u| &u["accepted"]).collect();
    assert_eq!(accepted, vec![&json!(1), &json!(3)]);
    assert_eq!(app.state("spool").await[0]["data"], "k=>>>");
}

#[tokio::test]
async fn uploadbase_ignores_a_timezone_parameter() {
    let app = TestApp::spawn().await;
    let file = b64(SEED_LINE);
    let form =
        [("filename", "b.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1"), ("timezone", "Mars/Olympus")];
    app.post("Dialers/uploadbase", &form).await.assert_one();
    assert_eq!(app.state("uploads").await[0]["timezone"], Value::Null);
    assert_eq!(app.state("spool").await[0]["timezone"], Value::Null);
}

#[tokio::test]
async fn uploadbase_refusals_answer_zero_and_change_nothing() {
    let app = TestApp::spawn().await;
    let file = b64(SEED_LINE);
    let f = file.as_str();
    app.post("Dialers/uploadbase", &[("filename", "b.txt"), ("fileb64", f), ("campaign", "prueba1")])
        .await
        .assert_one();
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("nothing", vec![]),
        ("no filename", vec![("fileb64", f), ("campaign", "prueba1")]),
        ("empty filename", vec![("filename", ""), ("fileb64", f), ("campaign", "prueba1")]),
        ("no fileb64", vec![("filename", "b.txt"), ("campaign", "prueba1")]),
        ("empty fileb64", vec![("filename", "b.txt"), ("fileb64", ""), ("campaign", "prueba1")]),
        ("no campaign", vec![("filename", "b.txt"), ("fileb64", f)]),
        ("empty campaign", vec![("filename", "b.txt"), ("fileb64", f), ("campaign", "")]),
        ("unknown campaign", vec![("filename", "b.txt"), ("fileb64", f), ("campaign", "prueba2")]),
        ("campaign of another case", vec![("filename", "b.txt"), ("fileb64", f), ("campaign", "Prueba1")]),
        ("fileb64 not base64", vec![("filename", "b.txt"), ("fileb64", "%%%"), ("campaign", "prueba1")]),
        ("fileb64 the plain text", vec![("filename", "b.txt"), ("fileb64", SEED_LINE), ("campaign", "prueba1")]),
    ];
    assert_refused(&app, "Dialers/uploadbase", &cases).await;
}

#[tokio::test]
async fn uploadbasewithtimezone_refusals_answer_zero_and_change_nothing() {
    let app = TestApp::spawn().await;
    let file = b64(SEED_LINE);
    let f = file.as_str();
    let ok = [("filename", "b.txt"), ("fileb64", f), ("campaign", "prueba1"), ("timezone", "America/Montevideo")];
    app.post("Dialers/uploadbasewithtimezone", &ok).await.assert_one();
    let base = [("filename", "b.txt"), ("fileb64", f), ("campaign", "prueba1")];
    let zone = |z: &'static str| -> Vec<(&str, &str)> {
        let mut form = base.to_vec();
        form.push(("timezone", z));
        form
    };
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no timezone", base.to_vec()),
        ("empty timezone", zone("")),
        ("not an IANA zone", zone("Mars/Olympus")),
        ("an offset", zone("-03:00")),
        ("a Windows zone name", zone("SA Pacific Standard Time")),
        ("no filename", vec![("fileb64", f), ("campaign", "prueba1"), ("timezone", "America/Bogota")]),
        ("no fileb64", vec![("filename", "b.txt"), ("campaign", "prueba1"), ("timezone", "America/Bogota")]),
        ("no campaign", vec![("filename", "b.txt"), ("fileb64", f), ("timezone", "America/Bogota")]),
        (
            "unknown campaign",
            vec![("filename", "b.txt"), ("fileb64", f), ("campaign", "Nope->"), ("timezone", "America/Bogota")],
        ),
        (
            "fileb64 not base64",
            vec![("filename", "b.txt"), ("fileb64", "%%%"), ("campaign", "prueba1"), ("timezone", "America/Bogota")],
        ),
    ];
    assert_refused(&app, "Dialers/uploadbasewithtimezone", &cases).await;
}

#[tokio::test]
async fn uploads_without_a_token_answer_401_and_change_nothing() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    let file = b64(SEED_LINE);
    for (route, zone) in [("Dialers/uploadbase", None), ("Dialers/uploadbasewithtimezone", Some("America/Bogota"))] {
        let mut form = vec![("filename", "b.txt"), ("fileb64", file.as_str()), ("campaign", "prueba1")];
        form.extend(zone.map(|z| ("timezone", z)));
        let reply = app.post_anon(route, &form).await;
        assert_eq!((reply.status, reply.body.as_str()), (401, ""), "{route}");
        assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Basic realm=\"Integra\"", "{route}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_record_whose_agent_phone_is_no_agents_is_rejected() {
    let app = TestApp::spawn().await;
    let file = b64("prueba1;0991;;;;1001\nprueba1;0992;;;;9999\n");
    app.post("Dialers/uploadbase", &[("filename", "b.txt"), ("fileb64", &file), ("campaign", "prueba1")])
        .await
        .assert_one();
    let uploads = app.state("uploads").await;
    assert_eq!((uploads[0]["accepted"].as_i64(), uploads[0]["rejected"].as_i64()), (Some(1), Some(1)));
    let (line, reason) = rejections(&uploads[0]).remove(0);
    assert_eq!(line, 2);
    assert!(reason.contains("9999"), "{reason}");
}

/// Under the manual clock an upload is finished before the next answer of any route, not only of
/// the control API: a RemoveContact sent right after the `1` finds the uploaded number.
#[tokio::test]
async fn the_route_after_an_upload_sees_its_records() {
    let app = TestApp::spawn().await;
    let lines: Vec<String> = (0..20_000).map(|i| format!("prueba1;0983{i:05};;;;")).collect();
    let file = b64(lines.join("\n"));
    app.post("Dialers/uploadbase", &[("filename", "base.txt"), ("fileb64", &file), ("campaign", "prueba1")])
        .await
        .assert_one();
    app.post("Dialers/RemoveContact", &[("campaign", "prueba1"), ("number", "098319999")]).await.assert_one();
    let spool = app.state("spool").await;
    let numbers: Vec<&str> = spool.as_array().unwrap().iter().map(|r| r["destination"].as_str().unwrap()).collect();
    assert_eq!(numbers.len(), 19_999);
    assert!(!numbers.contains(&"098319999"), "the removal ran before the upload's last record was written");
}
