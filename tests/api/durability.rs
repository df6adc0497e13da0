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
