//! Reliability: kill -9 at random moments during a stream of writes and an upload (the database
//! stays whole and every answered `1` is there), and 8 concurrent clients sending mixed requests
//! (no error answer the contract does not call for, no `database is locked`). The suite runs a
//! short form; `RELIABILITY=long cargo test --release --test api reliability` runs the long one.

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::json;

use crate::durability::launch;
use crate::helpers::{TestApp, encode};

fn long() -> bool {
    std::env::var("RELIABILITY").as_deref() == Ok("long")
}

/// What the clients were answered `1` for.
#[derive(Default)]
struct Acknowledged {
    blacklisted: Vec<String>,
    respooled: Vec<String>,
    uploads: usize,
}

/// Writes until the server dies: blacklist entries and respools, and one upload of a big base.
async fn write_until_killed(base: &str, round: usize, acknowledged: &mut Acknowledged) {
    let client = reqwest::Client::new();
    let url = |route: &str| format!("{base}/Integra/resources/{route}");
    let mut tasks = Vec::new();
    for writer in 0..3 {
        let (client, route) = (client.clone(), url(if writer == 2 { "Dialers/Respool" } else { "admin/addblack" }));
        tasks.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            for i in 0.. {
                let number = format!("09{round:03}{writer}{i:05}");
                let body = if writer == 2 {
                    encode(&[("callspool", &json!({"campaign": "Sales->", "destination": number}).to_string())])
                } else {
                    encode(&[("blacklist", &json!({"phone": number, "campaign": "*"}).to_string())])
                };
                // The answer is whole only if the process lived to send it all.
                let Ok(response) = client.post(&route).body(body).send().await else { break };
                match response.text().await {
                    Ok(text) if text == "1" => answered.push((writer, number)),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            answered
        }));
    }
    let records: String = (0..20_000).map(|i| format!("Ventas->;0980{round:03}{i:05};id={i};;;\n")).collect();
    let fileb64 = base64::engine::general_purpose::STANDARD.encode(records);
    let upload = client
        .post(url("Dialers/uploadbase"))
        .body(encode(&[("filename", &format!("round{round}.txt")), ("campaign", "Ventas->"), ("fileb64", &fileb64)]))
        .send()
        .await;
    if let Ok(response) = upload
        && response.text().await.is_ok_and(|text| text == "1")
    {
        acknowledged.uploads += 1;
    }
    for task in tasks {
        for (writer, number) in task.await.unwrap() {
            if writer == 2 { acknowledged.respooled.push(number) } else { acknowledged.blacklisted.push(number) }
        }
    }
}

async fn rows(pool: &sqlx::SqlitePool, query: &'static str) -> HashSet<String> {
    let rows: Vec<(String,)> = sqlx::query_as(query).fetch_all(pool).await.unwrap();
    rows.into_iter().map(|(v,)| v).collect()
}

#[tokio::test]
async fn kill_9_at_random_moments_loses_no_answered_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut acknowledged = Acknowledged::default();
    let rounds = if long() { 100 } else { 20 };
    for round in 0..rounds {
        let (mut child, base) = launch(&db);
        let killer = {
            let delay = Duration::from_millis(30 + rng.next_u64() % 600);
            let pid = child.id();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                // SIGKILL, as `kill -9`.
                let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
            })
        };
        write_until_killed(&base, round, &mut acknowledged).await;
        killer.await.unwrap();
        let _ = child.kill();
        let _ = child.wait();

        // The file as the crash left it: whole, and holding every answered write.
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display())).await.unwrap();
        let check: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check").fetch_all(&pool).await.unwrap();
        assert_eq!(check, vec![("ok".to_string(),)], "round {round}");
        let blacklist = rows(&pool, "SELECT phone FROM blacklist").await;
        let lost: Vec<_> = acknowledged.blacklisted.iter().filter(|p| !blacklist.contains(*p)).collect();
        assert!(lost.is_empty(), "round {round}: {} answered addblacks lost, e.g. {:?}", lost.len(), lost.first());
        let spool = rows(&pool, "SELECT destination FROM spool WHERE source = 'respool'").await;
        let lost: Vec<_> = acknowledged.respooled.iter().filter(|d| !spool.contains(*d)).collect();
        assert!(lost.is_empty(), "round {round}: {} answered respools lost, e.g. {:?}", lost.len(), lost.first());
        // Every answered upload has its report; each batch's rows and its progress land together.
        let uploads: Vec<(i64, i64)> =
            sqlx::query_as("SELECT id, accepted FROM uploads").fetch_all(&pool).await.unwrap();
        assert!(uploads.len() >= acknowledged.uploads, "round {round}: an answered upload has no report");
        for (id, accepted) in uploads {
            let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM spool WHERE upload_id = ?")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(stored, accepted, "round {round}: upload {id}'s report and its rows disagree");
        }
        pool.close().await;
    }
    assert!(acknowledged.blacklisted.len() > rounds, "writes were answered: {}", acknowledged.blacklisted.len());
    // After the last restart the interrupted uploads say so, and the server serves.
    let (mut child, base) = launch(&db);
    let uploads: serde_json::Value =
        reqwest::get(format!("{base}/_mock/state/uploads")).await.unwrap().json().await.unwrap();
    for upload in uploads.as_array().unwrap() {
        assert!(upload["status"] == "done" || upload["note"] == "interrupted by a restart of the mock", "{upload}");
    }
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn eight_clients_of_mixed_requests_get_only_contract_answers() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let per_client: usize = if long() { 10_000 } else { 400 };
    let mut clients = Vec::new();
    for client in 0..8usize {
        let app = app.clone();
        clients.push(tokio::spawn(async move {
            let phone = ["1001", "1010", "1003", "1004", "1005", "1006", "1007", "1008"][client];
            for i in 0..per_client {
                let number = format!("097{client}{i:06}");
                let (route, form, expected): (&str, Vec<(&str, String)>, Option<&str>) = match i % 10 {
                    0 => (
                        "admin/addblack",
                        vec![("blacklist", json!({"phone": number, "campaign": "*"}).to_string())],
                        Some("1"),
                    ),
                    1 => (
                        "admin/deleteblack",
                        vec![(
                            "blacklist",
                            json!({"phone": format!("097{client}{:06}", i - 1), "campaign": "*"}).to_string(),
                        )],
                        Some("1"),
                    ),
                    2 => (
                        "Dialers/Respool",
                        vec![("callspool", json!({"campaign": "Sales->", "destination": number}).to_string())],
                        Some("1"),
                    ),
                    3 => (
                        "Dialers/ScheduleDialerCall",
                        vec![(
                            "callschedule",
                            json!({"calldate": "2030-01-01 10:00:00", "campaign": "Ventas->", "destination": number})
                                .to_string(),
                        )],
                        Some("1"),
                    ),
                    4 => ("Supervisor/queuesummary", vec![], None),
                    5 => ("Supervisor/campaignstatus", vec![("queue", "Out<-".to_string())], None),
                    6 => (
                        "Cdr/getrecords",
                        vec![("campaign", "Out<-".to_string()), ("searchLimit", "20".to_string())],
                        None,
                    ),
                    7 => (
                        "Agents/AgentCall",
                        vec![
                            ("callerid", "24001234".into()),
                            ("agent", "Agente1".into()),
                            ("phone", phone.into()),
                            ("tech", "SIP".into()),
                            ("context", "agentes".into()),
                            ("outqueue", "Sale->".into()),
                            ("destination", number),
                        ],
                        None,
                    ),
                    8 => ("Agents/HangupPhone", vec![("phone", phone.to_string())], None),
                    _ => (
                        "Dialers/RemoveContact",
                        vec![("campaign", "Sales->".to_string()), ("number", number)],
                        Some("1"),
                    ),
                };
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let reply = app.post(route, &form).await;
                assert_eq!(reply.status, 200, "{route}: {} {:?}", reply.body, reply.reason());
                let reason = reply.reason().unwrap_or_default().to_string();
                assert!(
                    !reply.body.contains("locked") && !reason.contains("locked"),
                    "{route}: {} {reason}",
                    reply.body
                );
                assert!(!reason.contains("database"), "{route}: {reason}");
                if let Some(expected) = expected {
                    assert_eq!(reply.body, expected, "{route}: {reason}");
                }
                if i % 50 == 49 && client == 0 {
                    app.advance(5).await;
                }
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    // Every add was deleted again; every respool stayed.
    assert_eq!(app.state("blacklist").await, json!([]));
    let spool = app.state("spool").await;
    let respooled = spool.as_array().unwrap().iter().filter(|s| s["source"] == "respool").count();
    assert_eq!(respooled, 8 * per_client.div_ceil(10));
}
