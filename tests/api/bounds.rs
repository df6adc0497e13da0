//! Bounds under hostile input from clients with no token or the demo's public credentials: memory
//! and disk stay within their limits whatever is sent, on the real binary. The suite runs a short
//! form; `RELIABILITY=long` the sizes the README reports.

use serde_json::Value;

use crate::helpers::Binary;

fn long() -> bool {
    std::env::var("RELIABILITY").as_deref() == Ok("long")
}

const MIB: u64 = 1 << 20;

/// Sends `count` bodies to `url` from 4 clients at once; answers the statuses seen.
async fn flood(url: &str, body: &'static [u8], count: usize) -> Vec<u16> {
    let client = reqwest::Client::new();
    let tasks: Vec<_> = (0..4)
        .map(|worker| {
            let (client, url) = (client.clone(), url.to_string());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in (worker..count).step_by(4) {
                    let response = client.post(&url).body(body).send().await.expect("an answer");
                    statuses.push(response.status().as_u16());
                    response.bytes().await.expect("a whole answer");
                }
                statuses
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

#[tokio::test]
async fn a_flood_of_megabyte_logins_stays_within_the_journals_budget() {
    let (count, budget_mb) = if long() { (1_200, 64) } else { (300, 16) };
    let budget = budget_mb.to_string();
    let mock = Binary::start(&["--journal-mb", &budget]);
    // A login of the route's limit (1 MiB) whose thousand fields each fit under the journal's clip.
    let fields: String = (0..1000).map(|i| format!("&f{i}={}", "v".repeat(1030))).collect();
    let body: &'static [u8] = format!("user=admin&password=admin{fields}").into_bytes().leak();
    assert!((MIB - 16 * 1024..=MIB).contains(&(body.len() as u64)), "{}", body.len());
    let url = format!("{}/Integra/resources/auth/getUserToken", mock.base);
    // A first round to settle the allocator's working set.
    flood(&url, body, 40).await;
    let before = mock.memory("VmRSS");
    let statuses = flood(&url, body, count).await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    let grown = mock.memory("VmRSS").saturating_sub(before);
    println!("{count} logins of 1 MiB: RSS grew {} MiB (budget {budget_mb} MiB)", grown / MIB);
    assert!(grown <= budget_mb * MIB, "RSS grew {} MiB past a journal budget of {budget_mb} MiB", grown / MIB);
    let journal: Value =
        reqwest::get(format!("{}/_mock/requests?limit=1", mock.base)).await.unwrap().json().await.unwrap();
    assert_eq!(journal[0]["body"]["bytes"], body.len(), "a long body is kept as its size and digest");
}
