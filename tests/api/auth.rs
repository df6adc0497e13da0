//! auth/getUserToken, auth/UserLogin, auth/EndSession (docs/contract.md, section 2).

use base64::Engine;
use serde_json::json;

use crate::helpers::{JSON, TestApp};

#[tokio::test]
async fn get_user_token_answers_user_empty_phone_and_token() {
    let app = TestApp::spawn().await;
    let reply = app.post_anon("auth/getUserToken", &[("user", "admin"), ("password", "admin")]).await;
    assert_eq!((reply.status, reply.content_type()), (200, Some(JSON)));
    let body = reply.json();
    let token = body[2].as_str().unwrap();
    assert_eq!(body, json!([{"user": "admin", "name": "Admin", "profile": "supervisor"}, {}, token]));
    // base64 of user:uuid-v4, new for every login
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(token).unwrap()).unwrap();
    let (user, uuid) = decoded.split_once(':').unwrap();
    assert_eq!(user, "admin");
    assert_eq!(uuid::Uuid::parse_str(uuid).unwrap().get_version_num(), 4);
    assert_eq!(uuid, uuid.to_lowercase());
    assert_ne!(token, app.token, "each login gets a new token");
}

#[tokio::test]
async fn user_login_of_an_agent_carries_the_phone_object() {
    let app = TestApp::spawn().await;
    let reply = app.post_anon("auth/UserLogin", &[("user", "Agente1"), ("password", "1234")]).await;
    let body = reply.json();
    let token = body[2].as_str().unwrap();
    reply.assert_json(&json!([
        {"user": "Agente1", "name": "Santiago", "profile": "agent"},
        {"phone": "1001", "tech": "SIP", "md5secret": token},
        token
    ]));
}

#[tokio::test]
async fn bad_credentials_answer_zero_and_open_no_session() {
    let app = TestApp::spawn().await;
    let before = app.state("sessions").await;
    for form in [
        &[("user", "admin"), ("password", "wrong")][..],
        &[("user", "nobody"), ("password", "admin")],
        &[("user", "ADMIN"), ("password", "admin")],
        &[("user", "admin")],
        &[],
    ] {
        app.post_anon("auth/getUserToken", form).await.assert_zero();
        app.post_anon("auth/UserLogin", form).await.assert_zero();
    }
    assert_eq!(app.state("sessions").await, before);
}

#[tokio::test]
async fn tokens_open_routes_and_end_session_closes_them() {
    let app = TestApp::spawn().await;
    let login = app.post_anon("auth/getUserToken", &[("user", "Agente2"), ("password", "1234")]).await.json();
    let token = login[2].as_str().unwrap().to_string();
    let remove = |token: String| {
        let app = &app;
        async move { app.post_body("Dialers/RemoveContact", "campaign=Ventas-%3E&number=1", Some(&token)).await }
    };
    remove(token.clone()).await.assert_one();

    // a user that is not the token's, or an unknown token: 0, and the token stays alive
    app.post_anon("auth/EndSession", &[("user", "admin"), ("token", &token)]).await.assert_zero();
    app.post_anon("auth/EndSession", &[("user", "Agente2"), ("token", "bm9wZQ==")]).await.assert_zero();
    app.post_anon("auth/EndSession", &[("user", "Agente2")]).await.assert_zero();
    remove(token.clone()).await.assert_one();

    app.post_anon("auth/EndSession", &[("user", "Agente2"), ("token", &token)]).await.assert_one();
    let reply = remove(token.clone()).await;
    assert_eq!(reply.status, 401);
    // ending it twice: it is no longer live
    app.post_anon("auth/EndSession", &[("user", "Agente2"), ("token", &token)]).await.assert_zero();
}

#[tokio::test]
async fn end_session_accepts_a_basic_header_too() {
    let app = TestApp::spawn().await;
    let token = app.token.clone();
    let reply = app.post("auth/EndSession", &[("user", "admin"), ("token", &token)]).await;
    reply.assert_one();
}

#[tokio::test]
async fn missing_unknown_or_ended_tokens_get_401_with_realm_and_empty_body() {
    let app = TestApp::spawn().await;
    for token in [None, Some("bm9wZQ=="), Some("")] {
        let reply = app.post_body("Dialers/RemoveContact", "campaign=Ventas-%3E&number=1", token).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Basic realm=\"Integra\"");
        assert_eq!(reply.body, "");
        assert!(reply.reason().is_some());
    }
    // a Bearer token is not the vendor's scheme
    let request =
        app.client.post(app.url("Dialers/RemoveContact")).header("authorization", format!("Bearer {}", app.token));
    assert_eq!(app.send(request).await.status, 401);
}

#[tokio::test]
async fn auth_off_accepts_requests_without_a_token() {
    let app = TestApp::spawn_with(&["--auth", "off"]).await;
    app.post_anon("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "1")]).await.assert_one();
}

#[tokio::test]
async fn the_same_seed_gives_the_same_tokens() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    assert_eq!(a.token, b.token);
    let c = TestApp::spawn_with(&["--seed", "8"]).await;
    assert_ne!(a.token, c.token);
}

#[tokio::test]
async fn a_credential_is_decoded_leniently_as_the_vendors_server_does() {
    use base64::engine::general_purpose::STANDARD;
    let app = TestApp::spawn().await;
    // Agente1's tokens are padded (44 bytes of user:uuid). Base64 of such text never has `+` or
    // `/`, so the URL-safe alphabet is a unit test's matter (model::token).
    let login = app.post_anon("auth/getUserToken", &[("user", "Agente1"), ("password", "1234")]).await;
    let token = login.json()[2].as_str().unwrap().to_string();
    assert!(token.ends_with('='), "{token}");
    // campaignstatus of every campaign: the same answer for the same session, request after request.
    let summary = |credential: String| {
        let request = app.client.post(app.url("Supervisor/campaignstatus"));
        app.send(request.header("authorization", format!("Basic {credential}")))
    };
    let exact = summary(token.clone()).await;
    assert_eq!((exact.status, exact.reason()), (200, None), "the token as issued says nothing");
    // Spaces and tabs around the token are HTTP's own whitespace: the same token as sent.
    for sent in [format!("  {token}  "), format!("{token}\t")] {
        let reply = summary(sent.clone()).await;
        assert_eq!((reply.status, reply.reason()), (200, None), "{sent:?}");
    }
    for sent in [
        format!("{token}'"),
        format!("{token}''"),
        format!("'{token}"),
        token.trim_end_matches('=').to_string(),
        format!("\"{token}\""),
    ] {
        let reply = summary(sent.clone()).await;
        assert_eq!(reply.status, 200, "{sent:?}: {:?}", reply.reason());
        assert_eq!(reply.body, exact.body, "{sent:?}: the same session, the same answer");
        let reason = reply.reason().unwrap_or_default();
        assert!(reason.contains("lenient base64 decoding"), "{sent:?}: {reason:?}");
    }
    // The journal shows what was sent (masked), quote and all.
    let path = "/Integra/resources/Supervisor/campaignstatus";
    let journal = app.send(app.client.get(format!("{}/_mock/requests?path={path}", app.base))).await.json();
    let shown = journal.as_array().unwrap().iter().map(|e| e["headers"]["authorization"].clone()).collect::<Vec<_>>();
    assert!(shown.iter().any(|a| a.as_str().is_some_and(|a| a.ends_with("'"))), "{shown:?}");
    assert!(shown.iter().all(|a| !a.as_str().unwrap_or_default().contains(&token[10..40])), "{shown:?}");
    // Near misses stay 401: one letter changed, another user's name on this session's uuid, an
    // unknown alphabet character soup, a session that ended.
    let changed = format!("{}{}{}", &token[..20], if &token[20..21] == "A" { "B" } else { "A" }, &token[21..]);
    let decoded = String::from_utf8(STANDARD.decode(&token).unwrap()).unwrap();
    let (_, uuid) = decoded.split_once(':').unwrap();
    let other_user = STANDARD.encode(format!("Agente2:{uuid}"));
    for sent in [format!("{changed}'"), format!("{other_user}'"), "''''".to_string()] {
        let reply = summary(sent.clone()).await;
        assert_eq!(reply.status, 401, "{sent:?}");
        assert_eq!(reply.headers["www-authenticate"], "Basic realm=\"Integra\"");
    }
    app.post_anon("auth/EndSession", &[("user", "Agente1"), ("token", &token)]).await.assert_one();
    for sent in [token.clone(), format!("{token}'"), token.trim_end_matches('=').to_string()] {
        assert_eq!(summary(sent.clone()).await.status, 401, "{sent:?} after EndSession");
    }
}
