//! Attacks on the server's resources (descriptors, memory, the event and wait slots), on the real
//! binary: each leaves every world intact, answers what it cannot take with 503 and `Retry-After`
//! (or 408 for a body too slow), and keeps serving everyone else.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Binary, encode};

const LOGIN: &str = "user=admin&password=admin";

/// The process may open `wanted` files, or the test says why it cannot run.
fn may_open(wanted: u64, test: &str) -> bool {
    let files = rlimit::increase_nofile_limit(wanted).unwrap_or(0);
    if files < wanted {
        eprintln!("SKIPPED {test}: this process may open {files} files, not {wanted}");
    }
    files >= wanted
}

/// The headers of a login whose body of `LOGIN.len()` bytes is still to come.
fn login_headers() -> String {
    format!(
        "POST /Integra/resources/auth/getUserToken HTTP/1.1\r\nHost: x\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        LOGIN.len()
    )
}

/// A login on a fresh connection with a short timeout: its status, or 0 when none came.
async fn login(client: &reqwest::Client, base: &str) -> (u16, String) {
    let url = format!("{base}/Integra/resources/auth/getUserToken");
    match client.post(url).header("content-type", "application/x-www-form-urlencoded").body(LOGIN).send().await {
        Ok(reply) => (reply.status().as_u16(), reply.text().await.unwrap_or_default()),
        Err(_) => (0, String::new()),
    }
}

/// The first line the server sent on `stream` within `within`, or empty when it sent none.
async fn status_line(stream: &mut TcpStream, within: Duration) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    while !answer.contains(&b'\n') {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string()
}

/// `rounds` times, `count` logins sent whole and hung up on at once: their handlers are cancelled
/// wherever they are (an in-memory world was lost to one cancelled while it took its connection).
async fn hang_up_on_logins(address: &str, rounds: usize, count: usize) {
    let request = format!("{}{LOGIN}", login_headers());
    for _ in 0..rounds {
        let mut hung_up = Vec::new();
        for _ in 0..count {
            if let Ok(mut stream) = TcpStream::connect(address).await {
                let _ = stream.write_all(request.as_bytes()).await;
                hung_up.push(stream);
            }
        }
        drop(hung_up);
    }
}

#[tokio::test]
async fn a_descriptor_attack_never_loses_the_world() {
    if !may_open(4_096, "a_descriptor_attack_never_loses_the_world") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mock =
        Binary::start_in(Some(("ulimit -n 1024", dir.path())), &["--body-timeout", "3", "--body-min-rate", "100"]);
    let address = mock.base.trim_start_matches("http://").to_string();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    // What the world holds before: a session, and a number on the blacklist.
    let (status, body) = login(&client, &mock.base).await;
    assert_eq!(status, 200, "{body}");
    let token = serde_json::from_str::<Value>(&body).unwrap()[2].as_str().unwrap().to_string();
    let authorized = |route: &str, form: &[(&str, &str)]| {
        client
            .post(format!("{}/Integra/resources/{route}", mock.base))
            .header("authorization", format!("Basic {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(form))
            .send()
    };
    let added = authorized("admin/addblack", &[("blacklist", r#"{"phone":"0991","campaign":"*"}"#)]).await.unwrap();
    assert_eq!(added.text().await.unwrap(), "1");

    for round in 0..2 {
        hang_up_on_logins(&address, 5, 200).await;
        // 1,100 logins whose bodies trickle: more connections than the descriptors allow.
        let mut trickling = Vec::new();
        for _ in 0..1_100 {
            // Past the server's room for connections, some are closed as soon as accepted.
            let mut stream = TcpStream::connect(&address).await.expect("the kernel takes the connection");
            let _ = stream.write_all(login_headers().as_bytes()).await;
            let _ = stream.write_all(b"u").await;
            trickling.push(stream);
        }
        // The trickles go on; within their body time they are cut, and a new client gets in.
        let began = Instant::now();
        let served = loop {
            for stream in &mut trickling {
                let _ = stream.try_write(b"s");
            }
            let (status, _) = login(&client, &mock.base).await;
            if status == 200 || began.elapsed() > Duration::from_secs(20) {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        assert_eq!(served, 200, "round {round}: no login answered within 20 s of the attack");
        drop(trickling);
        hang_up_on_logins(&address, 5, 200).await;
        tokio::time::sleep(Duration::from_millis(500)).await;

        // The world is the one it was: the session made before is live, the number still listed.
        let (status, body) = login(&client, &mock.base).await;
        assert_eq!(status, 200, "round {round}, a login after the attack: {body}");
        let summary = authorized("Supervisor/queuesummary", &[]).await.unwrap();
        assert_eq!(summary.status(), 200, "round {round}: the token made before the attack");
        let listed: Value =
            client.get(format!("{}/_mock/state/blacklist", mock.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0]["phone"], "0991", "round {round}: {listed}");
    }
    let log = std::fs::read_to_string(mock.stderr.as_ref().unwrap()).unwrap();
    assert!(!log.contains("no such table"), "the world was replaced by an empty database:\n{log}");
}

#[tokio::test]
async fn slow_bodies_are_cut_and_hold_nothing() {
    if !may_open(1_024, "slow_bodies_are_cut_and_hold_nothing") {
        return;
    }
    let mock = Binary::start(&["--body-timeout", "2", "--body-min-rate", "100"]);
    let address = mock.base.trim_start_matches("http://").to_string();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let before = mock.memory("VmRSS");
    let mut trickling = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream.write_all(login_headers().as_bytes()).await.unwrap();
        trickling.push(stream);
    }
    let began = Instant::now();
    // A byte every 200 ms: 5 bytes a second, far below 100.
    let mut normal = Duration::ZERO;
    for _ in 0..8 {
        for stream in &mut trickling {
            let _ = stream.write_all(b"u").await;
        }
        let asked = Instant::now();
        assert_eq!(login(&client, &mock.base).await.0, 200, "a normal login beside 200 trickles");
        normal = normal.max(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(normal < Duration::from_secs(1), "a normal login took {normal:?} beside 200 trickles");
    let mut cut = 0;
    for stream in &mut trickling {
        let line = status_line(stream, Duration::from_secs(6).saturating_sub(began.elapsed())).await;
        if line.starts_with("HTTP/1.1 408") {
            cut += 1;
        }
    }
    assert_eq!(cut, 200, "of 200 bodies at 5 bytes a second, {cut} were answered 408 within 6 s");
    for stream in &mut trickling {
        let mut rest = [0u8; 512];
        let closed = loop {
            match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut rest)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break true,
                Ok(Ok(_)) => {}
                Err(_) => break false,
            }
        };
        assert!(closed, "a cut body's connection stays open");
    }
    let grown = mock.memory("VmRSS").saturating_sub(before);
    assert!(grown < 32 << 20, "200 trickles grew the server by {} KiB", grown >> 10);
}

/// Sends an upload of `total` bytes in chunks with `token`, as fast as the server
/// takes it; answers the status line, and how many bytes were sent before it came.
/// With `pause`, the body stops after that many bytes (or its refusal) until every upload sharing
/// the barrier has got as far, so they are in flight together however slowly they start.
async fn chunked_upload(
    address: &str,
    token: &str,
    total: usize,
    pause: Option<(usize, std::sync::Arc<tokio::sync::Barrier>)>,
) -> (String, usize) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /Integra/resources/Dialers/uploadbase HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // One field whose value is the rest: a value that long is never decoded.
    stream.write_all(b"8\r\nfileb64=\r\n").await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        let chunk = vec![b'A'; 1 << 20];
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        let mut sent = 0;
        let mut pause = pause;
        while sent < total {
            let refused = writer.write_all(&framed).await.is_err();
            if !refused {
                sent += chunk.len();
            }
            if let Some((_, barrier)) = pause.take_if(|(at, _)| refused || sent >= *at) {
                barrier.wait().await;
            }
            if refused {
                break;
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n").await;
        sent
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !answer.contains(&b'\n') {
        match tokio::time::timeout(Duration::from_secs(60), reader.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    drop(reader);
    let sent = sender.await.unwrap();
    (String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string(), sent)
}

#[tokio::test]
async fn bodies_in_flight_share_one_budget_and_over_limit_bodies_stop_at_the_limit() {
    const MIB: usize = 1 << 20;
    let mock = Binary::start(&["--body-memory-mb", "300"]);
    let address = mock.base.trim_start_matches("http://").to_string();
    let client = reqwest::Client::new();
    let (_, body) = login(&client, &mock.base).await;
    let token = serde_json::from_str::<Value>(&body).unwrap()[2].as_str().unwrap().to_string();
    let baseline = mock.memory("VmRSS");
    mock.reset_peak();
    // A chunked body past the route's limit (256 MiB) is refused as it passes it, not read on.
    let (status, sent) = chunked_upload(&address, &token, 1024 * MIB, None).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert!(sent < 400 * MIB, "{} MiB were sent before the 413", sent / MIB);
    // Four at once, 200 MiB each: together they would hold 800 MiB; the budget holds 300. Each
    // waits at 100 MiB for the others, so the four are in flight together on a slow machine too.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(4));
    let uploads: Vec<_> = (0..4)
        .map(|_| {
            let (address, token, barrier) = (address.clone(), token.clone(), barrier.clone());
            tokio::spawn(async move { chunked_upload(&address, &token, 200 * MIB, Some((100 * MIB, barrier))).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for upload in uploads {
        statuses.push(upload.await.unwrap().0);
    }
    let busy = statuses.iter().filter(|s| s.starts_with("HTTP/1.1 503")).count();
    assert!(busy >= 2, "at most one 200 MiB body fits in 300 MiB beside another's start: {statuses:?}");
    assert!(statuses.iter().all(|s| s.starts_with("HTTP/1.1 503") || s.starts_with("HTTP/1.1 200")), "{statuses:?}");
    let peak = mock.memory("VmHWM").saturating_sub(baseline) as usize;
    println!("peak RSS above the start: {} MiB (budget 300 MiB); statuses {statuses:?}", peak / MIB);
    assert!(peak < 340 * MIB, "bodies took {} MiB at their peak, past a 300 MiB budget", peak / MIB);
    // And it is given back: nothing of them stays.
    let after = mock.memory("VmRSS").saturating_sub(baseline) as usize;
    assert!(after < 32 * MIB, "{} MiB stayed after the bodies were done with", after / MIB);
}

/// Reads `stream` until it has sent `wanted` or closed, for at most `within`; answers what came.
async fn read_until(stream: &mut TcpStream, wanted: &str, within: Duration) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    while !String::from_utf8_lossy(&seen).contains(wanted) {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buffer[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn event_streams_past_their_bound_shed_the_oldest() {
    if !may_open(4_096, "event_streams_past_their_bound_shed_the_oldest") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // As many streams as the attack opened: more than the descriptors the server may have.
    let mock = Binary::start_in(Some(("ulimit -n 1024", dir.path())), &[]);
    let address = mock.base.trim_start_matches("http://").to_string();
    let mut streams = Vec::new();
    for i in 0..1_100 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        let instance = if i % 2 == 0 { "default" } else { "other" };
        let request = format!("GET /_mock/events HTTP/1.1\r\nHost: x\r\nX-Mock-Instance: {instance}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        // Each is answered (its headers sent) before the next opens, so their order is known.
        let head = read_until(&mut stream, "\r\n\r\n", Duration::from_secs(10)).await;
        assert!(head.starts_with("HTTP/1.1 200"), "stream {i}: {head:?}");
        streams.push(stream);
    }
    // The 256 newest stay (--max-event-streams' default); every older one was told and closed.
    for (i, stream) in streams.iter_mut().enumerate().take(1_100 - 256) {
        let told = read_until(stream, "event: shed", Duration::from_secs(5)).await;
        assert!(told.contains("event: shed"), "stream {i} was not shed: {told:?}");
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let reply = client.get(format!("{}/_mock/state/campaigns", mock.base)).send().await.expect("an answer");
    assert_eq!(reply.status(), 200, "beside 256 event streams");
    // The newest still hears the instance: a change arrives on it.
    let change = client
        .post(format!("{}/Integra/resources/auth/getUserToken", mock.base))
        .header("x-mock-instance", "other")
        .body(LOGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(change.status(), 200);
    let scenario = client
        .post(format!("{}/_mock/agents/Agente1", mock.base))
        .header("x-mock-instance", "other")
        .body(r#"{"action": "pause"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(scenario.status(), 200, "{}", scenario.text().await.unwrap());
    let newest = streams.last_mut().unwrap();
    let heard = read_until(newest, "event: agent", Duration::from_secs(5)).await;
    assert!(heard.contains("event: agent"), "{heard:?}");
}

/// An instance's readers all in use at once: `getrecords` from `parallel` clients together.
async fn read_in_parallel(
    client: &reqwest::Client,
    base: &str,
    instance: &str,
    token: &str,
    parallel: usize,
) -> Vec<u16> {
    let reads = (0..parallel).map(|_| {
        client
            .post(format!("{base}/Integra/resources/Cdr/getrecords"))
            .header("x-mock-instance", instance)
            .header("authorization", format!("Basic {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("searchLimit=2")
            .send()
    });
    futures_util::future::join_all(reads).await.into_iter().map(|r| r.map_or(0, |r| r.status().as_u16())).collect()
}

#[tokio::test]
async fn a_small_open_file_limit_keeps_fewer_instances_and_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db");
    let mock =
        Binary::start_in(Some(("ulimit -n 256", dir.path())), &["--db", db.to_str().unwrap(), "--max-instances", "64"]);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let log = std::fs::read_to_string(mock.stderr.as_ref().unwrap()).unwrap();
    // The limit holds ten instances' files (and one being opened), besides the process's and 64 connections.
    assert!(log.contains("--max-instances 64 with database files needs 843 open files and this process may open 256: at most 10 instances are kept live"), "{log}");
    let mut tokens = Vec::new();
    for i in 0..24 {
        let instance = format!("i{i}");
        let login = client
            .post(format!("{}/Integra/resources/auth/getUserToken", mock.base))
            .header("x-mock-instance", &instance)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(LOGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "the login that made {instance}");
        let token = login.json::<Value>().await.unwrap()[2].as_str().unwrap().to_string();
        let added = client
            .post(format!("{}/Integra/resources/admin/addblack", mock.base))
            .header("x-mock-instance", &instance)
            .header("authorization", format!("Basic {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(&[("blacklist", &format!(r#"{{"phone":"55{i}","campaign":"*"}}"#))]))
            .send()
            .await
            .unwrap();
        assert_eq!(added.text().await.unwrap(), "1", "addblack in {instance}");
        assert_eq!(read_in_parallel(&client, &mock.base, &instance, &token, 8).await, [200; 8], "{instance}'s readers");
        tokens.push((instance, token));
    }
    let listed = |instance: String| {
        let request = client.get(format!("{}/_mock/state/blacklist", mock.base)).header("x-mock-instance", instance);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let live: Value = client.get(format!("{}/_mock/instances", mock.base)).send().await.unwrap().json().await.unwrap();
    let live: Vec<&str> = live.as_array().unwrap().iter().map(|i| i["instance"].as_str().unwrap()).collect();
    let kept: Vec<String> = (15..24).map(|i| format!("i{i}")).collect();
    let mut expected: Vec<&str> = kept.iter().map(String::as_str).chain(["default"]).collect();
    expected.sort();
    assert_eq!(live, expected, "the ten most recently used");
    // More connections than the limit allows come and go; every kept world is as it was after.
    let address = mock.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..400 {
        if let Ok(stream) = TcpStream::connect(&address).await {
            held.push(stream);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(held);
    for (instance, token) in &tokens[15..] {
        let number = format!("55{}", &instance[1..]);
        assert_eq!(listed(instance.clone()).await[0]["phone"], number.as_str(), "{instance}'s blacklist");
        assert_eq!(read_in_parallel(&client, &mock.base, instance, token, 8).await, [200; 8], "{instance}'s readers");
    }
    let log = std::fs::read_to_string(mock.stderr.as_ref().unwrap()).unwrap();
    assert!(!log.contains("out of file descriptors"), "{log}");
}
