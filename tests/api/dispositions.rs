//! api/DispositionCall (docs/contract.md, section 4): the 400 checks in order, the JSON answer, and the effect
//! of each action (none, RESPOOL, RESPOOLALTERNATIVE, BLACKLIST, RESCHEDULE) seen through the state.

use serde_json::{Value, json};

use crate::helpers::{JSON, TestApp};

const ROUTE: &str = "api/DispositionCall";
const GUID: &str = "020f9687-adc6-46ca-b675-e96c9d1606ef";

/// A complete disposition of `callerid` in `Ventas->` by Agente1 with `l1`; `extra` overrides or adds.
fn form<'a>(l1: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form =
        vec![("campaign", "Ventas->"), ("agent", "Agente1"), ("callerid", "099111222"), ("guid", GUID), ("l1", l1)];
    for &(key, value) in extra {
        form.retain(|(k, _)| *k != key);
        form.push((key, value));
    }
    form
}

/// The spool entries of `campaign` whose main number is `destination`.
async fn spool_of(app: &TestApp, campaign: &str, destination: &str) -> Vec<Value> {
    let spool = app.state("spool").await;
    spool
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["campaign"] == campaign && e["destination"] == destination)
        .cloned()
        .collect()
}

/// Puts an entry in the spool through Dialers/Respool.
async fn respool(app: &TestApp, callspool: Value) {
    app.post("Dialers/Respool", &[("callspool", &callspool.to_string())]).await.assert_one();
}

/// The snapshot without one table, to prove that only that table changed.
fn without(mut snapshot: Value, table: &str) -> Value {
    snapshot.as_object_mut().unwrap().remove(table);
    snapshot
}

/// Asserts the exact success answer, byte for byte.
#[track_caller]
fn assert_ok(reply: &crate::helpers::Reply, txtcode: &str) {
    reply.assert_json(&json!({"Result": "ok", "txtcode": txtcode}));
    assert_eq!(reply.body, format!(r#"{{"Result":"ok","txtcode":"{txtcode}"}}"#));
}

/// Asserts that the last recorded disposition carries these parameters.
#[track_caller]
fn assert_recorded(dispositions: &Value, expected: &[(&str, &str)]) {
    let last = dispositions.as_array().unwrap().last().expect("a disposition row");
    for (key, value) in expected {
        assert_eq!(last[*key], *value, "dispositions.{key} in {last}");
    }
}

// Success ------------------------------------------------------------------------------------------

#[tokio::test]
async fn action_none_answers_ok_with_l1_l2_l3_and_only_records_the_disposition() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    let reply =
        app.post(ROUTE, &form("Venta", &[("d1", "extra 1"), ("d2", "extra 2"), ("comment", "cliente conforme")])).await;
    assert_eq!(reply.content_type(), Some(JSON));
    assert_ok(&reply, "Venta||");

    let dispositions = app.state("dispositions").await;
    assert_eq!(dispositions.as_array().unwrap().len(), before["dispositions"].as_array().unwrap().len() + 1);
    assert_recorded(
        &dispositions,
        &[
            ("campaign", "Ventas->"),
            ("agent", "Agente1"),
            ("callerid", "099111222"),
            ("guid", GUID),
            ("l1", "Venta"),
            ("l2", ""),
            ("l3", ""),
            ("d1", "extra 1"),
            ("d2", "extra 2"),
            ("comment", "cliente conforme"),
        ],
    );
    // nothing but the disposition changed
    assert_eq!(without(app.snapshot().await, "dispositions"), without(before, "dispositions"));
}

#[tokio::test]
async fn a_given_tag_is_the_txtcode() {
    let app = TestApp::spawn().await;
    assert_ok(&app.post(ROUTE, &form("Venta", &[("tag", "venta-cerrada")])).await, "venta-cerrada");
    // an empty tag falls back to l1|l2|l3
    assert_ok(&app.post(ROUTE, &form("Venta", &[("tag", "")])).await, "Venta||");
}

#[tokio::test]
async fn multi_level_dispositions_answer_every_level() {
    let app = TestApp::spawn().await;
    let reply =
        app.post(ROUTE, &form("Consulta", &[("campaign", "Out<-"), ("l2", "Reclamo"), ("l3", "Facturacion")])).await;
    assert_ok(&reply, "Consulta|Reclamo|Facturacion");
    assert_recorded(
        &app.state("dispositions").await,
        &[("campaign", "Out<-"), ("l1", "Consulta"), ("l2", "Reclamo"), ("l3", "Facturacion")],
    );

    // a two-level option: l3 absent
    let reply = app.post(ROUTE, &form("Consulta", &[("campaign", "Out<-"), ("l2", "Precio")])).await;
    assert_ok(&reply, "Consulta|Precio|");
    // the same options exist in `Campaign`
    let reply = app.post(ROUTE, &form("Consulta", &[("campaign", "Campaign"), ("l2", "Precio"), ("l3", "")])).await;
    assert_ok(&reply, "Consulta|Precio|");
}

#[tokio::test]
async fn unknown_guid_and_agent_are_accepted_and_recorded() {
    let app = TestApp::spawn().await;
    let reply = app.post(ROUTE, &form("Venta", &[("guid", "no-es-un-uuid"), ("agent", "Nadie")])).await;
    assert_ok(&reply, "Venta||");
    assert_recorded(&app.state("dispositions").await, &[("guid", "no-es-un-uuid"), ("agent", "Nadie")]);
}

#[tokio::test]
async fn respool_adds_one_retry_to_the_spool_entry_of_the_number() {
    let app = TestApp::spawn().await;
    respool(
        &app,
        json!({"campaign": "Ventas->", "destination": "099111222", "alternatives": "099333444:099555666",
               "data": "Par1=Val1", "retries": 2, "priority": 5}),
    )
    .await;
    let entry = spool_of(&app, "Ventas->", "099111222").await;
    assert_eq!(entry.len(), 1);
    let spool_before = app.state("spool").await;

    assert_ok(&app.post(ROUTE, &form("No contesta", &[])).await, "No contesta||");

    let after = spool_of(&app, "Ventas->", "099111222").await;
    assert_eq!(after.len(), 1, "the entry is updated, not duplicated: {after:?}");
    assert_eq!(after[0]["retries"], 3);
    for key in ["id", "contact", "alternatives", "data", "priority", "status"] {
        assert_eq!(after[0][key], entry[0][key], "spool.{key}");
    }
    assert_eq!(app.state("spool").await.as_array().unwrap().len(), spool_before.as_array().unwrap().len());
    assert_recorded(&app.state("dispositions").await, &[("l1", "No contesta"), ("callerid", "099111222")]);
}

#[tokio::test]
async fn respool_of_a_number_not_in_the_spool_puts_it_there_with_one_retry() {
    let app = TestApp::spawn().await;
    assert!(spool_of(&app, "Ventas->", "099111222").await.is_empty());
    assert_ok(&app.post(ROUTE, &form("No contesta", &[])).await, "No contesta||");
    let entry = spool_of(&app, "Ventas->", "099111222").await;
    assert_eq!(entry.len(), 1, "{entry:?}");
    assert_eq!(entry[0]["retries"], 1);

    // a second RESPOOL counts on the same entry
    assert_ok(&app.post(ROUTE, &form("No contesta", &[])).await, "No contesta||");
    let entry = spool_of(&app, "Ventas->", "099111222").await;
    assert_eq!(entry.len(), 1, "{entry:?}");
    assert_eq!(entry[0]["retries"], 2);
}

#[tokio::test]
async fn respool_alternative_makes_the_first_alternative_the_main_number_with_retries_zero() {
    let app = TestApp::spawn().await;
    respool(
        &app,
        json!({"campaign": "Ventas->", "destination": "099111222", "alternatives": "099333444:099555666",
               "retries": 4}),
    )
    .await;
    let before = spool_of(&app, "Ventas->", "099111222").await;

    assert_ok(&app.post(ROUTE, &form("Otro numero", &[])).await, "Otro numero||");

    assert!(spool_of(&app, "Ventas->", "099111222").await.is_empty());
    let after = spool_of(&app, "Ventas->", "099333444").await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], before[0]["id"], "the same entry");
    assert_eq!(after[0]["contact"], before[0]["contact"]);
    assert_eq!(after[0]["retries"], 0);
    // [server behaviour; the contract silent] the alternative used is no longer an alternative
    assert_eq!(after[0]["alternatives"], "099555666");

    // the next one moves on to the next alternative
    let reply = app.post(ROUTE, &form("Otro numero", &[("callerid", "099333444")])).await;
    assert_ok(&reply, "Otro numero||");
    assert_eq!(spool_of(&app, "Ventas->", "099555666").await[0]["retries"], 0);
}

#[tokio::test]
async fn respool_alternative_of_a_number_not_in_the_spool_is_recorded_only() {
    // [server behaviour; the contract silent] nothing to move on to: the disposition is only recorded
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    assert_ok(&app.post(ROUTE, &form("Otro numero", &[])).await, "Otro numero||");
    assert_recorded(&app.state("dispositions").await, &[("l1", "Otro numero"), ("callerid", "099111222")]);
    assert_eq!(without(app.snapshot().await, "dispositions"), without(before, "dispositions"));
}

#[tokio::test]
async fn blacklist_action_blacklists_the_callerid_for_the_campaign() {
    let app = TestApp::spawn().await;
    assert_eq!(app.state("blacklist").await, json!([]));
    assert_ok(&app.post(ROUTE, &form("No llamar", &[])).await, "No llamar||");
    let blacklist = app.state("blacklist").await;
    let rows = blacklist.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{blacklist}");
    assert_eq!((&rows[0]["phone"], &rows[0]["campaign"]), (&json!("099111222"), &json!("Ventas->")));
    assert_recorded(&app.state("dispositions").await, &[("l1", "No llamar")]);

    // the same number in another campaign is another entry
    assert_ok(&app.post(ROUTE, &form("No llamar", &[("campaign", "Sales->")])).await, "No llamar||");
    let blacklist = app.state("blacklist").await;
    let mut pairs: Vec<_> =
        blacklist.as_array().unwrap().iter().map(|r| (r["phone"].clone(), r["campaign"].clone())).collect();
    pairs.sort_by_key(|(_, c)| c.to_string());
    assert_eq!(pairs, vec![(json!("099111222"), json!("Sales->")), (json!("099111222"), json!("Ventas->"))]);
}

#[tokio::test]
async fn reschedule_schedules_a_call_in_camptoreschedule() {
    let app = TestApp::spawn().await;
    let before = app.state("schedules").await.as_array().unwrap().len();
    let reply = app
        .post(ROUTE, &form("Volver a llamar", &[("schedule", "2026-01-06 15:30:00"), ("camptoreschedule", "Sales->")]))
        .await;
    assert_ok(&reply, "Volver a llamar||");
    let schedules = app.state("schedules").await;
    let rows = schedules.as_array().unwrap();
    assert_eq!(rows.len(), before + 1);
    let last = rows.last().unwrap();
    assert_eq!(
        (&last["calldate"], &last["campaign"], &last["destination"]),
        (&json!("2026-01-06 15:30:00"), &json!("Sales->"), &json!("099111222"))
    );
    assert_recorded(
        &app.state("dispositions").await,
        &[("l1", "Volver a llamar"), ("schedule", "2026-01-06 15:30:00"), ("camptoreschedule", "Sales->")],
    );
}

#[tokio::test]
async fn reschedule_without_camptoreschedule_uses_the_same_campaign() {
    let app = TestApp::spawn().await;
    for extra in
        [&[("schedule", "2026-01-07 10:00:00")][..], &[("schedule", "2026-01-07 10:00:00"), ("camptoreschedule", "")]]
    {
        let before = app.state("schedules").await.as_array().unwrap().len();
        assert_ok(&app.post(ROUTE, &form("Volver a llamar", extra)).await, "Volver a llamar||");
        let schedules = app.state("schedules").await;
        let rows = schedules.as_array().unwrap();
        assert_eq!(rows.len(), before + 1);
        let last = rows.last().unwrap();
        assert_eq!(
            (&last["calldate"], &last["campaign"], &last["destination"]),
            (&json!("2026-01-07 10:00:00"), &json!("Ventas->"), &json!("099111222"))
        );
    }
}

#[tokio::test]
async fn reschedule_in_the_past_is_accepted() {
    // the clock reads 2026-01-05 09:00:00
    let app = TestApp::spawn().await;
    let reply = app.post(ROUTE, &form("Volver a llamar", &[("schedule", "2025-12-31 23:59:59")])).await;
    assert_ok(&reply, "Volver a llamar||");
    let schedules = app.state("schedules").await;
    let last = schedules.as_array().unwrap().last().expect("a schedule").clone();
    assert_eq!((&last["calldate"], &last["campaign"]), (&json!("2025-12-31 23:59:59"), &json!("Ventas->")));
}

#[tokio::test]
async fn reschedule_to_an_unknown_campaign_is_recorded_as_given() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            ROUTE,
            &form("Volver a llamar", &[("schedule", "2026-01-06 15:30:00"), ("camptoreschedule", "NoExiste->")]),
        )
        .await;
    assert_ok(&reply, "Volver a llamar||");
    assert_recorded(&app.state("dispositions").await, &[("camptoreschedule", "NoExiste->")]);
    let schedules = app.state("schedules").await;
    assert_eq!(schedules.as_array().unwrap().last().expect("a schedule")["campaign"], "NoExiste->");
}

#[tokio::test]
async fn schedule_is_only_checked_for_reschedule() {
    let app = TestApp::spawn().await;
    let before = app.state("schedules").await;
    assert_ok(&app.post(ROUTE, &form("Venta", &[("schedule", "05/01/2026 09:00:00")])).await, "Venta||");
    assert_eq!(app.state("schedules").await, before, "no schedule for an action that is not RESCHEDULE");
}

// Refusals -----------------------------------------------------------------------------------------

const CAMPAIGN_EMPTY: &str = "Parâmetros errados: Campanha vazia";
const CALLERID_EMPTY: &str = "Parâmetros errados: Callerid vazio";
const GUID_EMPTY: &str = "Parâmetros errados: guid vazio";
const AGENT_EMPTY: &str = "Parâmetros errados: Agente vazio";
const L1_EMPTY: &str = "Parâmetros errados: Valor vazio1";
const SCHEDULE_EMPTY: &str = "Parâmetros incorretos: Data da programação vazia";
const SCHEDULE_FORMAT: &str = "El formato de la fecha tiene que ser yyyy-MM-dd HH:mm:ss";

/// Sends each form, expects its 400 message, and proves that nothing changed.
async fn assert_refused(app: &TestApp, cases: &[(Vec<(&str, &str)>, String)]) {
    let before = app.snapshot().await;
    for (form, message) in cases {
        let reply = app.post(ROUTE, form).await;
        assert_eq!(reply.body, *message, "form {form:?}");
        reply.assert_bad_request(message);
    }
    assert_eq!(app.snapshot().await, before, "a refused disposition changes nothing");
}

#[tokio::test]
async fn required_parameters_are_checked_in_the_documented_order() {
    let app = TestApp::spawn().await;
    let s = |m: &str| m.to_string();
    assert_refused(
        &app,
        &[
            (vec![], s(CAMPAIGN_EMPTY)),
            (vec![("campaign", ""), ("agent", ""), ("callerid", ""), ("guid", ""), ("l1", "")], s(CAMPAIGN_EMPTY)),
            // campaign missing while everything else is fine
            (form("Venta", &[("campaign", "")]), s(CAMPAIGN_EMPTY)),
            (vec![("campaign", "Ventas->")], s(CALLERID_EMPTY)),
            (vec![("campaign", "Ventas->"), ("agent", "Agente1"), ("l1", "Venta")], s(CALLERID_EMPTY)),
            (vec![("campaign", "Ventas->"), ("callerid", "099111222")], s(GUID_EMPTY)),
            (vec![("campaign", "Ventas->"), ("callerid", "099111222"), ("l1", "Venta")], s(GUID_EMPTY)),
            (vec![("campaign", "Ventas->"), ("callerid", "099111222"), ("guid", GUID)], s(AGENT_EMPTY)),
            (
                vec![("campaign", "Ventas->"), ("callerid", "099111222"), ("guid", GUID), ("agent", "Agente1")],
                s(L1_EMPTY),
            ),
            // l1 empty comes before any lookup of the other levels
            (form("", &[("l2", "Precio"), ("l3", "x")]), s(L1_EMPTY)),
            // RESCHEDULE: the schedule is the last check
            (
                vec![
                    ("campaign", "Ventas->"),
                    ("callerid", "099111222"),
                    ("guid", GUID),
                    ("agent", "Agente1"),
                    ("l1", "Volver a llamar"),
                ],
                s(SCHEDULE_EMPTY),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn each_empty_required_parameter_alone_gives_its_message() {
    let app = TestApp::spawn().await;
    let cases: Vec<_> = [
        ("campaign", CAMPAIGN_EMPTY),
        ("callerid", CALLERID_EMPTY),
        ("guid", GUID_EMPTY),
        ("agent", AGENT_EMPTY),
        ("l1", L1_EMPTY),
    ]
    .into_iter()
    .flat_map(|(key, message)| {
        // sent empty, and not sent at all
        let empty = form("Venta", &[(key, "")]);
        let absent: Vec<_> = empty.iter().copied().filter(|(k, _)| *k != key).collect();
        [(empty, message.to_string()), (absent, message.to_string())]
    })
    .collect();
    assert_refused(&app, &cases).await;
}

#[tokio::test]
async fn an_unconfigured_combination_is_not_found_with_every_level_in_the_message() {
    let app = TestApp::spawn().await;
    let not_found = |l1: &str, l2: &str, l3: &str| {
        format!("Disposição não encontrada para o nível1: {l1}, level2: {l2}, nível3: {l3}")
    };
    assert_refused(
        &app,
        &[
            (form("Tipificacion1", &[]), not_found("Tipificacion1", "", "")),
            (form("Tipificacion1", &[("l2", ""), ("l3", "")]), not_found("Tipificacion1", "", "")),
            // a configured l1 with levels it does not have
            (form("Venta", &[("l2", "Contado")]), not_found("Venta", "Contado", "")),
            (form("Venta", &[("l2", "Contado"), ("l3", "Cuotas")]), not_found("Venta", "Contado", "Cuotas")),
            // multi-level options need every level
            (form("Consulta", &[("campaign", "Out<-")]), not_found("Consulta", "", "")),
            (form("Consulta", &[("campaign", "Out<-"), ("l2", "Reclamo")]), not_found("Consulta", "Reclamo", "")),
            (
                form("Consulta", &[("campaign", "Out<-"), ("l2", "Precio"), ("l3", "Facturacion")]),
                not_found("Consulta", "Precio", "Facturacion"),
            ),
            // an option of another campaign
            (form("Consulta", &[("l2", "Precio")]), not_found("Consulta", "Precio", "")),
            // a campaign without dispositions, or unknown
            (form("Venta", &[("campaign", "NoExiste->")]), not_found("Venta", "", "")),
            // values are compared exactly
            (form("venta", &[]), not_found("venta", "", "")),
            // not found is checked before the schedule
            (form("Volver a llamarr", &[("schedule", "")]), not_found("Volver a llamarr", "", "")),
        ],
    )
    .await;
}

#[tokio::test]
async fn reschedule_without_a_schedule_is_refused() {
    let app = TestApp::spawn().await;
    assert_refused(
        &app,
        &[
            (form("Volver a llamar", &[]), SCHEDULE_EMPTY.to_string()),
            (form("Volver a llamar", &[("schedule", "")]), SCHEDULE_EMPTY.to_string()),
            (form("Volver a llamar", &[("schedule", ""), ("camptoreschedule", "Sales->")]), SCHEDULE_EMPTY.to_string()),
        ],
    )
    .await;
}

#[tokio::test]
async fn reschedule_with_a_malformed_schedule_is_refused() {
    let app = TestApp::spawn().await;
    let cases: Vec<_> = [
        "2026-01-05 9:00",
        "2026-01-05 09:00",
        "2026-01-05 9:00:00",
        "05/01/2026 09:00:00",
        "2026-01-05T09:00:00",
        "2026-01-05",
        "2026-1-5 09:00:00",
        "2026-01-05 09:00:00.000",
        "mañana",
        "2026-02-30 10:00:00",
        "2026-01-05 25:00:00",
        "2026-01-05 10:00:60",
        "0000-01-05 10:00:00",
    ]
    .into_iter()
    .map(|schedule| (form("Volver a llamar", &[("schedule", schedule)]), SCHEDULE_FORMAT.to_string()))
    .collect();
    assert_refused(&app, &cases).await;
}

#[tokio::test]
async fn without_a_token_answers_401_and_records_nothing() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    for l1 in ["Venta", "No contesta", "No llamar"] {
        let reply = app.post_anon(ROUTE, &form(l1, &[])).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Basic realm=\"Integra\"");
        assert_eq!(reply.body, "");
    }
    // even an invalid request is refused for the token first
    assert_eq!(app.post_anon(ROUTE, &[]).await.status, 401);
    assert_eq!(app.snapshot().await, before);
}
