//! `GET /_mock/events`: Server-Sent Events for the instance's state changes.

use std::time::Duration;

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn state_changes_arrive_as_server_sent_events() {
    let app = TestApp::spawn().await;
    let mut stream = app.client.get(format!("{}/_mock/events", app.base)).send().await.unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    app.post("admin/addblack", &[("blacklist", r#"{"phone":"0991","campaign":"*"}"#)]).await.assert_one();
    let inject = app
        .client
        .post(format!("{}/_mock/calls", app.base))
        .body(json!({"campaign": "Out<-", "from": "0992"}).to_string());
    assert_eq!(app.send(inject).await.status, 200);
    app.advance(3600).await;
    let dispose = [("campaign", "Out<-"), ("agent", "Agente1"), ("callerid", "0992"), ("guid", "g"), ("l1", "Venta")];
    app.post("api/DispositionCall", &dispose).await;

    let mut text = String::new();
    let wanted = [
        "event: blacklist",
        "event: call",
        "event: agent",
        "event: clock",
        "event: disposition",
        "\"phase\":\"ended\"",
    ];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !wanted.iter().all(|w| text.contains(w)) {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    for w in wanted {
        assert!(text.contains(w), "no {w} in:\n{text}");
    }
    assert!(text.contains("\"user\":\"Agente1\""), "{text}");
}
