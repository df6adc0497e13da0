//! An answered `1` survives a crash of the process (kill -9): the real binary, a real SQLite file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{encode, read};

/// The binary on port 0 with `db`, and the main URL it printed.
pub fn launch(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ucontact-mock"))
        .args(["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0", "--auth", "off", "--seed", "7"])
        .arg("--db")
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a banner");
    let main = line.split_whitespace().find_map(|w| w.strip_prefix("main=")).expect("main=URL").to_string();
    (child, main)
}

#[tokio::test]
async fn answered_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let client = reqwest::Client::new();
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..3 {
        let (mut child, base) = launch(&db);
        let url = format!("{base}/Integra/resources/admin/addblack");
        // A stream of writes from two clients; the process dies in the middle of it.
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let (client, url) = (client.clone(), url.clone());
                tokio::spawn(async move {
                    let mut answered = Vec::new();
                    for i in 0.. {
                        let phone = format!("{round}-{w}-{i}");
                        let body = encode(&[("blacklist", &format!(r#"{{"phone":"{phone}","campaign":"*"}}"#))]);
                        match client.post(&url).body(body).send().await {
                            Ok(response) => {
                                if read(response).await.body == "1" {
                                    answered.push(phone);
                                }
                            }
                            Err(_) => return answered,
                        }
                    }
                    answered
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(150 + 70 * round)).await;
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        for w in writers {
            acknowledged.extend(w.await.unwrap());
        }
        assert!(!acknowledged.is_empty(), "some writes were answered before the kill");
    }
    let (mut child, base) = launch(&db);
    let rows: Value = client.get(format!("{base}/_mock/state/blacklist")).send().await.unwrap().json().await.unwrap();
    let stored: std::collections::HashSet<&str> =
        rows.as_array().unwrap().iter().map(|r| r["phone"].as_str().unwrap()).collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|p| !stored.contains(p.as_str())).collect();
    assert!(lost.is_empty(), "{} answered writes were lost, e.g. {:?}", lost.len(), lost.first());
    let check: Vec<(String,)> = {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display())).await.unwrap();
        sqlx::query_as("PRAGMA integrity_check").fetch_all(&pool).await.unwrap()
    };
    assert_eq!(check, vec![("ok".to_string(),)]);
    child.kill().unwrap();
    let _ = child.wait();
}

/// The states of every entry of `campaign` in the three dialer lists, by table.
async fn list_states(client: &reqwest::Client, base: &str, campaign: &str) -> Vec<(String, String)> {
    let mut states = Vec::new();
    for table in ["spool", "schedules", "tasks"] {
        let rows: Value = client.get(format!("{base}/_mock/state/{table}")).send().await.unwrap().json().await.unwrap();
        for r in rows.as_array().unwrap().iter().filter(|r| r["campaign"] == campaign) {
            states.push((table.to_string(), r["state"].as_str().unwrap().to_string()));
        }
    }
    states
}

/// Work the dialer held when the process died goes back to its list: an entry of each list caught
/// `dialing` by kill -9 is `pending` again on the next start, and is then dialled to an end.
#[tokio::test]
async fn entries_caught_dialing_by_a_crash_go_back_to_their_lists() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let db = db.to_str().unwrap();
    let client = reqwest::Client::new();
    let binary = crate::helpers::Binary::start(&["--db", db, "--auth", "off"]);
    let post = |base: &str, route: &str, form: &[(&str, &str)]| {
        client.post(format!("{base}/Integra/resources/{route}")).body(encode(form)).send()
    };
    let campaign = "Ventas->";
    let spool = r#"{"campaign": "Ventas->", "destination": "0990000101"}"#;
    let schedule = r#"{"calldate": "2026-01-05 08:00:00", "campaign": "Ventas->", "destination": "0990000102"}"#;
    let task = r#"{"calldate": null, "campaign": "Ventas->", "destination": "0990000103", "alternatives": "",
                   "agent": "", "data": "", "source": "", "bulk": false, "automatic": true}"#;
    for (route, field, value) in [
        ("Dialers/Respool", "callspool", spool),
        ("Dialers/ScheduleDialerCall", "callschedule", schedule),
        ("Dialers/DialerTask", "call", task),
    ] {
        assert_eq!(read(post(&binary.base, route, &[(field, value)]).await.unwrap()).await.body, "1", "{route}");
    }
    let mut dialing = false;
    for _ in 0..60 {
        let states = list_states(&client, &binary.base, campaign).await;
        if states.len() == 3 && states.iter().all(|(_, s)| s == "dialing") {
            dialing = true;
            break;
        }
        let advance = client.post(format!("{}/_mock/clock", binary.base)).body(r#"{"advance": 1}"#);
        assert_eq!(advance.send().await.unwrap().status(), 200);
    }
    assert!(dialing, "the three entries were never all being dialled at once");
    let mut binary = binary;
    binary.child.kill().expect("SIGKILL");
    let _ = binary.child.wait();

    let restarted = crate::helpers::Binary::start(&["--db", db, "--auth", "off"]);
    let states = list_states(&client, &restarted.base, campaign).await;
    let expected: Vec<(String, String)> =
        ["spool", "schedules", "tasks"].iter().map(|t| (t.to_string(), "pending".to_string())).collect();
    assert_eq!(states, expected, "what the crash left half-dialled is pending again");
    let advance = client.post(format!("{}/_mock/clock", restarted.base)).body(r#"{"advance": 14400}"#);
    assert_eq!(advance.send().await.unwrap().status(), 200);
    let states = list_states(&client, &restarted.base, campaign).await;
    assert!(states.iter().all(|(_, s)| ["done", "exhausted", "failed"].contains(&s.as_str())), "{states:?}");
}
