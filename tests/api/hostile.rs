//! A hostile corpus against every route: huge fields, invalid UTF-8, nested JSON bombs, 10 MB lines
//! in a base, `../` in recording paths, header floods, slowloris-style slow headers and bodies. Each
//! gets the vendor's answer or a clean refusal, never a 500, and the server keeps answering others.
//! `RELIABILITY=long` opens many more slow connections.

use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{INTEGRA_ROUTES, TestApp};

fn long() -> bool {
    std::env::var("RELIABILITY").as_deref() == Ok("long")
}

/// The server answers a plain request promptly.
async fn assert_responsive(app: &TestApp, after: &str) {
    let began = Instant::now();
    let reply = app.send(app.client.get(format!("{}/_mock/health", app.base))).await;
    assert_eq!(reply.status, 200, "after {after}");
    let reply = app.post("Supervisor/queuesummary", &[]).await;
    assert_eq!(reply.status, 200, "after {after}");
    assert!(began.elapsed() < Duration::from_secs(2), "after {after}: {:?} to answer", began.elapsed());
}

fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    let every = ["blacklist", "callspool", "callschedule", "call", "campaign", "destination", "phone", "guid", "data"];
    let set = |value: &str| every.iter().map(|k| format!("{k}={value}")).collect::<Vec<_>>().join("&").into_bytes();
    vec![
        ("a huge field", set(&"9".repeat(100_000))),
        ("a body over the limit", vec![b'a'; 1024 * 1024 + 10]),
        ("invalid UTF-8", b"blacklist=\xff\xfe&callspool=%ff%fe&guid=\xc3\x28&campaign=Ventas-%3E\xff".to_vec()),
        ("an array bomb", set(&"%5B".repeat(50_000))),
        ("an object bomb", set(&"%7B%22a%22:".repeat(20_000))),
        ("NUL and control bytes", set("%00%01%1b%7f")),
        ("percent garbage", b"%%%%%=%&&&=&=%zz&blacklist=%".to_vec()),
        ("twenty thousand fields", (0..20_000).map(|i| format!("f{i}=v")).collect::<Vec<_>>().join("&").into_bytes()),
        ("JSON with every type", set("%7B%22phone%22:%5B1,2%5D,%22campaign%22:null,%22destination%22:1e400%7D")),
    ]
}

#[tokio::test]
async fn hostile_bodies_on_every_route_get_the_vendors_answers() {
    let app = TestApp::spawn().await;
    for (what, body) in bodies() {
        for route in INTEGRA_ROUTES {
            let reply = app.post_body(route, body.clone(), Some(&app.token)).await;
            // 200 with the vendor's answer, 400 (DispositionCall's catalog), 413 (over the limit).
            assert!(matches!(reply.status, 200 | 400 | 413), "{route}, {what}: {} {}", reply.status, reply.body);
            assert!(!reply.body.contains("database is locked"), "{route}, {what}");
        }
        assert_responsive(&app, what).await;
    }
    // The control API: a clear JSON error, never a 500.
    for path in [
        "/_mock/agents/Agente1",
        "/_mock/calls",
        "/_mock/traffic",
        "/_mock/clock",
        "/_mock/faults",
        "/_mock/fixtures",
        "/_mock/requests/count",
        "/_mock/portal/Agente1",
        "/_mock/recordings/x",
    ] {
        for (what, body) in bodies() {
            let reply = app.send(app.client.post(format!("{}{path}", app.base)).body(body)).await;
            assert!(matches!(reply.status, 200 | 400 | 404 | 413), "{path}, {what}: {} {}", reply.status, reply.body);
        }
    }
    assert_responsive(&app, "the control API corpus").await;
}

#[tokio::test]
async fn a_base_with_a_10_mb_line_is_reported_not_fatal() {
    let app = TestApp::spawn().await;
    let mut base = b"Ventas->;099000001;id=1;;;\n".to_vec();
    base.extend_from_slice(b"Ventas->;099000002;");
    base.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    base.extend_from_slice(b";;;\nVentas->;099000003;id=3;;;\n");
    base.extend_from_slice(&[b'\xff'; 1000]);
    base.extend_from_slice(b"\nVentas->;099000004;id=4;;;\n");
    let fileb64 = base64::engine::general_purpose::STANDARD.encode(&base);
    let reply = app
        .post("Dialers/uploadbase", &[("filename", "hostile.txt"), ("campaign", "Ventas->"), ("fileb64", &fileb64)])
        .await;
    reply.assert_one();
    let mut report = serde_json::Value::Null;
    for _ in 0..200 {
        report = app.state("uploads").await[0].clone();
        if report["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(report["status"], "done", "{report}");
    assert_eq!((report["read"].clone(), report["rejected"].clone()), (5.into(), 1.into()), "{}", report["rejections"]);
    assert_eq!(report["rejections"][0]["line"], 4);
    assert_responsive(&app, "a 10 MB line").await;
}

/// Raw bytes on a fresh connection; the status line of the answer, if any.
async fn raw(app: &TestApp, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(app.running.main).await.unwrap();
    let _ = stream.write_all(request).await;
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await.ok().and_then(Result::ok);
    String::from_utf8_lossy(&answer[..n.unwrap_or(0)]).lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn header_floods_paths_and_slow_clients_leave_the_server_responsive() {
    let app = TestApp::spawn().await;
    // Header floods: many headers, one huge header.
    let many: String = (0..5_000).map(|i| format!("X-Flood-{i}: {i}\r\n")).collect();
    let status = raw(&app, format!("GET /_mock/health HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes()).await;
    assert!(status.is_empty() || status.contains(" 431 ") || status.contains(" 400 "), "{status}");
    let huge = format!("GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Huge: {}\r\n\r\n", "a".repeat(1 << 20));
    let status = raw(&app, huge.as_bytes()).await;
    assert!(status.is_empty() || status.contains(" 431 ") || status.contains(" 400 "), "{status}");
    // Escapes in recording paths never leave the store.
    for path in [
        "/records/../Cargo.toml",
        "/records/%2e%2e/%2e%2e/etc/passwd",
        "/records/..%5c..%5cCargo.toml",
        "/records//etc/passwd",
    ] {
        let status = raw(&app, format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await;
        assert!(status.starts_with("HTTP/1.1 404") || status.starts_with("HTTP/1.1 400"), "{path}: {status}");
    }
    assert_responsive(&app, "header floods").await;

    // Slowloris: connections that send their headers, or their body, a byte at a time.
    let slow = if long() { 400 } else { 60 };
    let mut held = Vec::new();
    for i in 0..slow {
        let mut stream = TcpStream::connect(app.running.main).await.unwrap();
        let start = if i % 2 == 0 {
            "POST /Integra/resources/admin/addblack HTTP/1.1\r\nHost: x\r\nX-Slow: ".to_string()
        } else {
            format!(
                "POST /Integra/resources/admin/addblack HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {}\r\nContent-Length: 100000\r\n\r\nblacklist=",
                app.token
            )
        };
        stream.write_all(start.as_bytes()).await.unwrap();
        held.push(stream);
    }
    let trickle = tokio::spawn(async move {
        for _ in 0..20 {
            for stream in &mut held {
                let _ = stream.write_all(b"a").await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        held
    });
    for round in 0..5 {
        assert_responsive(&app, &format!("{slow} slow connections, round {round}")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    drop(trickle.await.unwrap());
    assert_responsive(&app, "the slow connections closed").await;
}
