//! The reference server of `cargo bench --bench shipping`: bare axum answering one route (and the
//! health probe), no database, no middleware. It prints the same first line as the mock.

use axum::Router;
use axum::routing::{get, post};

const QUEUESUMMARY: &str = r#"[{"queue":"Out<-","loggedIn":1,"available":1,"callers":0,"holdTime":0,"talkTime":0,"longestHoldTime":0,"internalActionId":"1234567890_1","dateReceived":"Jan 5, 2026 9:00:00 AM"},{"internalActionId":"1234567890_1","dateReceived":"Jan 5, 2026 9:00:00 AM"}]"#;

#[tokio::main]
async fn main() {
    let app = Router::new()
        .route("/_mock/health", get(|| async { ([("content-type", "application/json")], r#"{"status":"ok"}"#) }))
        .route(
            "/Integra/resources/{*route}",
            post(|| async { ([("content-type", "text/plain; charset=UTF-8")], QUEUESUMMARY) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    println!("listening main=http://{}", listener.local_addr().expect("an address"));
    axum::serve(listener, app).await.expect("serves");
}
