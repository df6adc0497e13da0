//! Dialers/Respool, Dialers/ScheduleDialerCall, Dialers/DialerTask, Dialers/RemoveContact,
//! Dialers/RemoveScheduleDialerCall (docs/contract.md, sections 1 and 7): the vendor's payloads, where each lands
//! (spool, schedules, tasks), lenient numbers, verbatim values, and `0` refusals that change nothing.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, encode};

/// The manual clock's start: every row written by these tests is stamped with it.
const NOW: &str = "2026-01-05 09:00:00";

/// The vendor's Respool object, typesetting undone.
fn seed_callspool() -> Value {
    json!({"campaign": "Ventas->", "destination": "098344484", "dialerbase": "basetest", "status": 1,
           "data": "Par1=Val1:Par2=Val2", "alternatives": "098124484", "contact": 222, "retries": 0,
           "priority": 9999, "agentphone": "1001"})
}

/// The vendor's ScheduleDialerCall object, typesetting undone.
fn seed_callschedule() -> Value {
    json!({"calldate": "2015-10-11 15:00:00", "campaign": "Sales->", "destination": "098344484",
           "alternatives": "099124484:099121212", "agentphone": "1001", "data": "Par1=Val1:Par2=Val2"})
}

/// A DialerTask `call` with every key; `changes` overrides some of them.
pub(crate) fn task(changes: Value) -> Value {
    let mut call = json!({"calldate": null, "campaign": "nombreCampaña<-", "destination": "12-345-678",
                          "alternatives": "", "agent": "", "data": "idcustomer=7", "source": "source",
                          "bulk": false, "automatic": true});
    for (k, v) in changes.as_object().unwrap() {
        call[k] = v.clone();
    }
    call
}

/// A spool row as the control API shows it, from the callspool keys plus how it was filed.
fn spool_row(id: i64, fields: Value, source: &str) -> Value {
    let mut row = json!({"id": id, "campaign": "", "destination": "", "dialerbase": null, "status": 1, "data": "",
                         "alternatives": "", "contact": 0, "retries": 0, "priority": 100, "agentphone": "",
                         "timezone": null, "source": source, "upload": null, "state": "pending",
                         "created_at": NOW, "updated_at": NOW,
                         "not_before": null, "last_result": null});
    for (k, v) in fields.as_object().unwrap() {
        assert!(row.get(k).is_some(), "spool rows have no key {k}");
        row[k] = v.clone();
    }
    row
}

async fn respool(app: &TestApp, callspool: &Value) -> Reply {
    app.post("Dialers/Respool", &[("callspool", &callspool.to_string())]).await
}

async fn schedule(app: &TestApp, callschedule: &Value) -> Reply {
    app.post("Dialers/ScheduleDialerCall", &[("callschedule", &callschedule.to_string())]).await
}

async fn dialer_task(app: &TestApp, call: &Value) -> Reply {
    app.post("Dialers/DialerTask", &[("call", &call.to_string())]).await
}

/// Each form is refused with `0` (text/plain, `X-Mock-Reason`) and leaves every table as it was.
async fn assert_refused(app: &TestApp, route: &str, cases: &[(&str, Vec<(&str, String)>)]) {
    let cases: Vec<(String, String)> = cases
        .iter()
        .map(|(case, form)| {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (case.to_string(), encode(&form))
        })
        .collect();
    app.assert_refused(route, &cases).await;
}

/// A one-parameter form holding a JSON value.
fn with(name: &'static str, value: &Value) -> Vec<(&'static str, String)> {
    vec![(name, value.to_string())]
}

/// `value` without `key`.
fn without(value: &Value, key: &str) -> Value {
    let mut value = value.clone();
    value.as_object_mut().unwrap().remove(key);
    value
}

/// `value` with `key` set to `v`.
fn replaced(value: &Value, key: &str, v: Value) -> Value {
    let mut value = value.clone();
    value[key] = v;
    value
}

// Respool ------------------------------------------------------------------------------------------

#[tokio::test]
async fn respool_of_the_seed_example_adds_it_to_the_campaigns_spool() {
    let app = TestApp::spawn().await;
    assert_eq!(app.state("spool").await, json!([]));
    respool(&app, &seed_callspool()).await.assert_one();
    assert_eq!(
        app.state("spool").await,
        json!([spool_row(
            1,
            json!({"campaign": "Ventas->", "destination": "098344484", "dialerbase": "basetest", "status": 1,
                   "data": "Par1=Val1:Par2=Val2", "alternatives": "098124484", "contact": 222, "retries": 0,
                   "priority": 9999, "agentphone": "1001"}),
            "respool"
        )])
    );
}

#[tokio::test]
async fn respool_of_a_known_contact_updates_it_and_keeps_campaign_status_contact_dialerbase() {
    let app = TestApp::spawn().await;
    respool(&app, &seed_callspool()).await.assert_one();
    // The vendor's use: the alternative becomes the main number, retries restart, another agent.
    let changed = json!({"campaign": "Ventas->", "destination": "098124484", "dialerbase": "otra-base", "status": 0,
                         "data": "Par1=Val1:Par2=Val2:Par3=Val3", "alternatives": "098344484", "contact": 222,
                         "retries": 0, "priority": 50, "agentphone": "1010"});
    respool(&app, &changed).await.assert_one();
    assert_eq!(
        app.state("spool").await,
        json!([spool_row(
            1,
            json!({"campaign": "Ventas->", "destination": "098124484", "dialerbase": "basetest", "status": 1,
                   "data": "Par1=Val1:Par2=Val2:Par3=Val3", "alternatives": "098344484", "contact": 222,
                   "retries": 0, "priority": 50, "agentphone": "1010"}),
            "respool"
        )])
    );
}

#[tokio::test]
async fn respool_update_changes_retries_and_keeps_what_it_does_not_send() {
    let app = TestApp::spawn().await;
    respool(&app, &seed_callspool()).await.assert_one();
    // Only the main number and retries: the other keys are absent, so they stay (docs/contract.md is
    // silent on absent keys in an update; keeping them is the mock's reading).
    respool(&app, &json!({"campaign": "Ventas->", "destination": "098344484", "contact": 222, "retries": 3}))
        .await
        .assert_one();
    let spool = app.state("spool").await;
    assert_eq!(spool.as_array().unwrap().len(), 1);
    assert_eq!(
        spool[0],
        spool_row(
            1,
            json!({"campaign": "Ventas->", "destination": "098344484", "dialerbase": "basetest", "status": 1,
                   "data": "Par1=Val1:Par2=Val2", "alternatives": "098124484", "contact": 222, "retries": 3,
                   "priority": 9999, "agentphone": "1001"}),
            "respool"
        )
    );
}

#[tokio::test]
async fn respool_of_a_contact_of_another_campaign_inserts_a_new_entry() {
    let app = TestApp::spawn().await;
    respool(&app, &seed_callspool()).await.assert_one();
    // Contact 222 exists only in Ventas->: in Power<- it is a new entry.
    let other = replaced(&seed_callspool(), "campaign", json!("Power<-"));
    respool(&app, &replaced(&other, "destination", json!("099555555"))).await.assert_one();
    let spool = app.state("spool").await;
    let rows: Vec<(&str, &str, i64)> = spool
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["campaign"].as_str().unwrap(), r["destination"].as_str().unwrap(), r["contact"].as_i64().unwrap()))
        .collect();
    assert_eq!(rows, vec![("Ventas->", "098344484", 222), ("Power<-", "099555555", 222)]);
}

#[tokio::test]
async fn respool_without_a_known_contact_inserts_with_defaults() {
    let app = TestApp::spawn().await;
    // Only the required keys: status 1, retries 0, priority 100, a new contact, no dialerbase.
    respool(&app, &json!({"campaign": "Power<-", "destination": "099000001"})).await.assert_one();
    // An unknown contact is kept as given; status 0 (disabled) is stored as sent.
    respool(&app, &json!({"campaign": "Power<-", "destination": "099000002", "contact": 5, "status": 0}))
        .await
        .assert_one();
    assert_eq!(
        app.state("spool").await,
        json!([
            spool_row(1, json!({"campaign": "Power<-", "destination": "099000001", "contact": 1}), "respool"),
            spool_row(
                2,
                json!({"campaign": "Power<-", "destination": "099000002", "contact": 5, "status": 0}),
                "respool"
            ),
        ])
    );
}

#[tokio::test]
async fn respool_reads_numbers_sent_as_numeric_strings_and_phones_sent_as_numbers() {
    let app = TestApp::spawn().await;
    let as_strings = json!({"campaign": "Ventas->", "destination": "12-345-678", "dialerbase": "basetest",
                            "status": "1", "data": "Par1=Val1", "alternatives": "H=0=999555555",
                            "contact": "222", "retries": "2", "priority": "9999", "agentphone": 1001});
    respool(&app, &as_strings).await.assert_one();
    let expected = spool_row(
        1,
        json!({"campaign": "Ventas->", "destination": "12-345-678", "dialerbase": "basetest", "status": 1,
               "data": "Par1=Val1", "alternatives": "H=0=999555555", "contact": 222, "retries": 2,
               "priority": 9999, "agentphone": "1001"}),
        "respool",
    );
    assert_eq!(app.state("spool").await, json!([expected]));
    // The same contact as a JSON number finds the entry the string created.
    respool(&app, &json!({"campaign": "Ventas->", "destination": "12-345-678", "contact": 222, "retries": 3}))
        .await
        .assert_one();
    assert_eq!(app.state("spool").await, json!([replaced(&expected, "retries", json!(3))]));
}

#[tokio::test]
async fn respool_keeps_values_verbatim() {
    let app = TestApp::spawn().await;
    let odd = json!({"campaign": "nombreCampaña->", "destination": "12-345-678",
                     "alternatives": "H=0=999555555:+598 99 123 456", "data": "name=José Pérez:note=a+b&c=d%20",
                     "agentphone": "1001", "contact": 9});
    respool(&app, &odd).await.assert_one();
    assert_eq!(
        app.state("spool").await,
        json!([spool_row(
            1,
            json!({"campaign": "nombreCampaña->", "destination": "12-345-678",
                   "alternatives": "H=0=999555555:+598 99 123 456", "data": "name=José Pérez:note=a+b&c=d%20",
                   "agentphone": "1001", "contact": 9}),
            "respool"
        )])
    );
}

#[tokio::test]
async fn respool_refusals_answer_zero_and_change_nothing() {
    let app = TestApp::spawn().await;
    respool(&app, &seed_callspool()).await.assert_one();
    let seed = seed_callspool();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no callspool", vec![]),
        ("callspool under another name", with("callschedule", &seed)),
        ("empty callspool", vec![("callspool", String::new())]),
        ("not JSON", vec![("callspool", "campaign=Ventas->".into())]),
        (
            "the vendor's page still typeset",
            vec![("callspool", "{ “campaign\": “Ventas->”, “destination\": “098\" }".into())],
        ),
        (
            "JSON with a // comment",
            vec![("callspool", "{\"campaign\": \"Ventas->\", // x\n \"destination\": \"1\"}".into())],
        ),
        ("a JSON array", with("callspool", &json!([seed]))),
        ("a JSON string", with("callspool", &json!("Ventas->"))),
        ("JSON null", vec![("callspool", "null".into())]),
        ("unknown campaign", with("callspool", &replaced(&seed, "campaign", json!("Nope->")))),
        ("campaign of another case", with("callspool", &replaced(&seed, "campaign", json!("ventas->")))),
        ("no campaign", with("callspool", &without(&seed, "campaign"))),
        ("empty campaign", with("callspool", &replaced(&seed, "campaign", json!("")))),
        ("null campaign", with("callspool", &replaced(&seed, "campaign", Value::Null))),
        ("no destination", with("callspool", &without(&seed, "destination"))),
        ("empty destination", with("callspool", &replaced(&seed, "destination", json!("")))),
        ("retries not a number", with("callspool", &replaced(&seed, "retries", json!("two")))),
        ("priority not a number", with("callspool", &replaced(&seed, "priority", json!("alta")))),
        ("contact not a number", with("callspool", &replaced(&seed, "contact", json!("c-222")))),
        ("contact an object", with("callspool", &replaced(&seed, "contact", json!({"id": 222})))),
    ];
    assert_refused(&app, "Dialers/Respool", &cases).await;
}

// ScheduleDialerCall -------------------------------------------------------------------------------

/// A schedule row as the control API shows it.
fn schedule_row(id: i64, callschedule: &Value) -> Value {
    json!({"id": id, "calldate": callschedule["calldate"], "campaign": callschedule["campaign"],
           "destination": callschedule["destination"],
           "alternatives": callschedule.get("alternatives").cloned().unwrap_or(json!("")),
           "agentphone": callschedule.get("agentphone").cloned().unwrap_or(json!("")),
           "data": callschedule.get("data").cloned().unwrap_or(json!("")),
           "origin": "api", "state": "pending", "created_at": NOW, "last_result": null})
}

#[tokio::test]
async fn schedule_dialer_call_of_the_seed_example_files_a_schedule() {
    let app = TestApp::spawn().await;
    assert_eq!(app.state("schedules").await, json!([]));
    // 2015: a date in the past is accepted (called as soon as possible).
    schedule(&app, &seed_callschedule()).await.assert_one();
    assert_eq!(app.state("schedules").await, json!([schedule_row(1, &seed_callschedule())]));
    // Nothing else moved: a schedule is neither a spool entry nor a task.
    assert_eq!(app.state("spool").await, json!([]));
    assert_eq!(app.state("tasks").await, json!([]));
}

#[tokio::test]
async fn schedule_dialer_call_needs_only_calldate_campaign_and_destination() {
    let app = TestApp::spawn().await;
    let bare = json!({"calldate": "2026-01-06 10:30:00", "campaign": "Power<-", "destination": "12-345-678"});
    schedule(&app, &bare).await.assert_one();
    // An agent phone sent as a JSON number, alternatives and data verbatim.
    let odd = json!({"calldate": "2026-01-06 11:00:00", "campaign": "nombreCampaña->", "destination": "099000001",
                     "alternatives": "H=0=999555555", "agentphone": 1010, "data": "a=b=c:d="});
    schedule(&app, &odd).await.assert_one();
    assert_eq!(
        app.state("schedules").await,
        json!([schedule_row(1, &bare), schedule_row(2, &replaced(&odd, "agentphone", json!("1010")))])
    );
}

#[tokio::test]
async fn schedule_dialer_call_refusals_answer_zero_and_change_nothing() {
    let app = TestApp::spawn().await;
    schedule(&app, &seed_callschedule()).await.assert_one();
    let seed = seed_callschedule();
    let date = |d: Value| with("callschedule", &replaced(&seed, "calldate", d));
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no callschedule", vec![]),
        ("callschedule under another name", with("callspool", &seed)),
        ("empty callschedule", vec![("callschedule", String::new())]),
        ("not JSON", vec![("callschedule", "2015-10-11 15:00:00".into())]),
        ("a JSON array", with("callschedule", &json!([seed]))),
        ("unknown campaign", with("callschedule", &replaced(&seed, "campaign", json!("Nope->")))),
        ("no campaign", with("callschedule", &without(&seed, "campaign"))),
        ("empty campaign", with("callschedule", &replaced(&seed, "campaign", json!("")))),
        ("no destination", with("callschedule", &without(&seed, "destination"))),
        ("empty destination", with("callschedule", &replaced(&seed, "destination", json!("")))),
        ("no calldate", with("callschedule", &without(&seed, "calldate"))),
        ("null calldate", date(Value::Null)),
        ("empty calldate", date(json!(""))),
        ("calldate without seconds", date(json!("2015-10-11 15:00"))),
        ("calldate without time", date(json!("2015-10-11"))),
        ("calldate ISO T", date(json!("2015-10-11T15:00:00"))),
        ("calldate day first", date(json!("11/10/2015 15:00:00"))),
        ("calldate unpadded", date(json!("2015-10-1 15:00:00"))),
        ("calldate impossible", date(json!("2015-02-30 15:00:00"))),
        ("calldate hour 24", date(json!("2015-10-11 24:00:00"))),
        ("calldate a number", date(json!(20151011150000_i64))),
    ];
    assert_refused(&app, "Dialers/ScheduleDialerCall", &cases).await;
}

// DialerTask ---------------------------------------------------------------------------------------

/// A task row as the control API shows it.
fn task_row(id: i64, call: &Value, mode: &str, agentphone: &str, priority: i64) -> Value {
    json!({"id": id, "calldate": call["calldate"], "campaign": call["campaign"], "destination": call["destination"],
           "alternatives": call["alternatives"], "agent": call["agent"], "data": call["data"],
           "source": call["source"], "bulk": call["bulk"], "automatic": call["automatic"], "mode": mode,
           "agentphone": agentphone, "priority": priority, "state": "pending", "created_at": NOW, "last_result": null})
}

/// The vendor's five DialerTask examples (one per mode, the list mode twice), typesetting undone.
fn seed_tasks() -> [Value; 5] {
    [
        json!({"calldate": null, "campaign": "nombreCampaña<-", "destination": "12-345-678", "alternatives": "",
               "agent": "", "data": "idcustomer=7:name=Seba", "source": "source", "bulk": false, "automatic": true}),
        json!({"calldate": null, "campaign": "nombreCampaña<-", "destination": "12-345-678", "alternatives": "",
               "agent": "", "data": "idcustomer=7", "source": "source", "bulk": false, "automatic": false}),
        json!({"calldate": null, "campaign": "nombreCampaña->", "destination": "12-345-678", "alternatives": "",
               "agent": "Agente1", "data": "idcustomer=7", "source": "source", "bulk": true, "automatic": false}),
        json!({"calldate": null, "campaign": "nombreCampaña->", "destination": "12-345-678", "alternatives": "",
               "agent": "1001", "data": "idcustomer=7", "source": "source", "bulk": true, "automatic": false}),
        json!({"calldate": "2015-10-11 15:00:00", "campaign": "nombreCampaña->", "destination": "12-345-678",
               "alternatives": "", "agent": "Agente1", "data": "idcustomer=7", "source": "source", "bulk": true,
               "automatic": false}),
    ]
}

#[tokio::test]
async fn dialer_task_seed_example_with_priority_one_is_queued() {
    let app = TestApp::spawn().await;
    let [queued, ..] = seed_tasks();
    dialer_task(&app, &queued).await.assert_one();
    assert_eq!(app.state("tasks").await, json!([task_row(1, &queued, "queued", "", 1)]));
    assert_eq!(app.state("spool").await, json!([]));
}

#[tokio::test]
async fn dialer_task_seed_example_of_a_call_now_is_a_manual_task() {
    let app = TestApp::spawn().await;
    let [_, manual, ..] = seed_tasks();
    dialer_task(&app, &manual).await.assert_one();
    let tasks = app.state("tasks").await;
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    // Its priority is not pinned by docs/contract.md (the call is made now).
    let mut row = tasks[0].clone();
    row["priority"] = json!(0);
    assert_eq!(row, task_row(1, &manual, "manual", "", 0));
    assert_eq!(app.state("spool").await, json!([]));
}

#[tokio::test]
async fn dialer_task_seed_examples_of_the_list_go_into_the_spool_with_the_agents_phone() {
    let app = TestApp::spawn().await;
    let [_, _, by_username, by_phone, _] = seed_tasks();
    dialer_task(&app, &by_username).await.assert_one();
    dialer_task(&app, &by_phone).await.assert_one();
    let entry = |id: i64| {
        spool_row(
            id,
            json!({"campaign": "nombreCampaña->", "destination": "12-345-678", "data": "idcustomer=7",
                   "alternatives": "", "contact": id, "agentphone": "1001"}),
            "task:source",
        )
    };
    assert_eq!(app.state("spool").await, json!([entry(1), entry(2)]));
    assert_eq!(app.state("tasks").await, json!([]));
}

#[tokio::test]
async fn dialer_task_seed_example_with_a_date_is_a_scheduled_task() {
    let app = TestApp::spawn().await;
    let [.., dated] = seed_tasks();
    dialer_task(&app, &dated).await.assert_one();
    let tasks = app.state("tasks").await;
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    let mut row = tasks[0].clone();
    row["priority"] = json!(0); // see a_task_with_a_date_outranks_one_without
    assert_eq!(row, task_row(1, &dated, "scheduled", "1001", 0));
    assert_eq!(app.state("spool").await, json!([]));
}

#[tokio::test]
async fn a_task_with_a_date_outranks_one_without() {
    // docs/contract.md, section 7: "due schedules, then due tasks (dated first)" and "Lower priorities
    // go first; 1 is the schedules'". A dated task is a schedule: it must not rank below the
    // undated task queued with priority 1.
    let app = TestApp::spawn().await;
    dialer_task(&app, &task(json!({}))).await.assert_one();
    dialer_task(&app, &task(json!({"calldate": "2026-01-05 09:30:00"}))).await.assert_one();
    let tasks = app.state("tasks").await;
    let (undated, dated) = (&tasks[0], &tasks[1]);
    assert_eq!((undated["mode"].as_str(), dated["mode"].as_str()), (Some("queued"), Some("scheduled")));
    assert_eq!(undated["priority"], 1);
    assert!(
        dated["priority"].as_i64().unwrap() <= undated["priority"].as_i64().unwrap(),
        "a dated task has priority {} while an undated one has {}: the undated one is called first",
        dated["priority"],
        undated["priority"]
    );
}

#[tokio::test]
async fn dialer_task_calldate_null_empty_or_1900_means_no_date() {
    let app = TestApp::spawn().await;
    let calls = [
        task(json!({"calldate": null})),
        task(json!({"calldate": ""})),
        task(json!({"calldate": "1900-01-01 00:00:00"})),
    ];
    for call in &calls {
        dialer_task(&app, call).await.assert_one();
    }
    let undated = |id: i64, call: &Value| task_row(id, &replaced(call, "calldate", Value::Null), "queued", "", 1);
    assert_eq!(app.state("tasks").await, json!([undated(1, &calls[0]), undated(2, &calls[1]), undated(3, &calls[2])]));
}

#[tokio::test]
async fn dialer_task_with_a_date_is_scheduled_whatever_the_flags() {
    let app = TestApp::spawn().await;
    let flags = [(false, true), (false, false), (true, false)];
    for (bulk, automatic) in flags {
        let call = task(json!({"calldate": "2026-01-06 10:00:00", "campaign": "Power<-", "bulk": bulk,
                               "automatic": automatic}));
        dialer_task(&app, &call).await.assert_one();
    }
    let tasks = app.state("tasks").await;
    let filed: Vec<(&str, Option<&str>, bool, bool)> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["mode"].as_str().unwrap(),
                t["calldate"].as_str(),
                t["bulk"].as_bool().unwrap(),
                t["automatic"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(filed, flags.iter().map(|&(b, a)| ("scheduled", Some("2026-01-06 10:00:00"), b, a)).collect::<Vec<_>>());
    assert_eq!(app.state("spool").await, json!([]), "a dated bulk task is not a list entry");
}

#[tokio::test]
async fn dialer_task_agent_is_a_username_or_a_phone_and_resolves_to_the_phone() {
    let app = TestApp::spawn().await;
    for agent in [json!("Agente2"), json!("1010"), json!(1010)] {
        let call =
            task(json!({"campaign": "Ventas->", "agent": agent, "bulk": true, "automatic": false, "source": "crm"}));
        dialer_task(&app, &call).await.assert_one();
    }
    // A queued task keeps the agent as sent and its phone beside it.
    let queued = task(json!({"agent": "Agente2"}));
    dialer_task(&app, &queued).await.assert_one();
    let spool = app.state("spool").await;
    let phones: Vec<(&str, &str)> = spool
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["agentphone"].as_str().unwrap(), r["source"].as_str().unwrap()))
        .collect();
    assert_eq!(phones, vec![("1010", "task:crm"); 3]);
    assert_eq!(app.state("tasks").await, json!([task_row(1, &queued, "queued", "1010", 1)]));
}

#[tokio::test]
async fn dialer_task_list_of_a_power_campaign_needs_no_agent() {
    let app = TestApp::spawn().await;
    let call = task(json!({"campaign": "Power<-", "bulk": true, "automatic": false, "alternatives": "H=0=999555555"}));
    dialer_task(&app, &call).await.assert_one();
    assert_eq!(
        app.state("spool").await,
        json!([spool_row(
            1,
            json!({"campaign": "Power<-", "destination": "12-345-678", "data": "idcustomer=7",
                   "alternatives": "H=0=999555555", "contact": 1}),
            "task:source"
        )])
    );
}

#[tokio::test]
async fn dialer_task_refusals_answer_zero_and_change_nothing() {
    let app = TestApp::spawn().await;
    for call in seed_tasks() {
        dialer_task(&app, &call).await.assert_one();
    }
    let base = task(json!({}));
    // Every key of the task must be present, even when its value may be empty.
    let missing: Vec<(String, Vec<(&str, String)>)> =
        ["calldate", "campaign", "destination", "alternatives", "agent", "data", "source", "bulk", "automatic"]
            .iter()
            .map(|k| (format!("no {k}"), with("call", &without(&base, k))))
            .collect();
    let call = |changes: Value| with("call", &task(changes));
    let mut cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no call", vec![]),
        ("call under another name", with("callspool", &base)),
        ("empty call", vec![("call", String::new())]),
        ("not JSON", vec![("call", "{calldate: null}".into())]),
        ("a JSON array", with("call", &json!([base]))),
        ("unknown campaign", call(json!({"campaign": "Nope->"}))),
        ("empty campaign", call(json!({"campaign": ""}))),
        ("null campaign", call(json!({"campaign": null}))),
        ("empty destination", call(json!({"destination": ""}))),
        ("null destination", call(json!({"destination": null}))),
        ("calldate without seconds", call(json!({"calldate": "2015-10-11 15:00"}))),
        ("calldate day first", call(json!({"calldate": "11/10/2015 15:00:00"}))),
        ("calldate ISO T", call(json!({"calldate": "2015-10-11T15:00:00"}))),
        ("calldate impossible", call(json!({"calldate": "2015-02-30 15:00:00"}))),
        ("bulk a word", call(json!({"bulk": "yes"}))),
        ("bulk a number", call(json!({"bulk": 1}))),
        ("bulk null", call(json!({"bulk": null}))),
        ("automatic a number", call(json!({"automatic": 0}))),
        ("automatic empty", call(json!({"automatic": ""}))),
        ("unknown agent username", call(json!({"agent": "Agente99"}))),
        ("unknown agent phone", call(json!({"agent": "1002"}))),
        ("a user who is not an agent", call(json!({"agent": "admin"}))),
        ("agent of another case", call(json!({"agent": "agente1"}))),
        (
            "list of a progressive campaign without agent",
            call(json!({"campaign": "nombreCampaña->", "bulk": true, "automatic": false})),
        ),
        (
            "list of Ventas-> without agent",
            call(json!({"campaign": "Ventas->", "bulk": true, "automatic": false, "agent": null})),
        ),
    ];
    cases.extend(missing.iter().map(|(case, form)| (case.as_str(), form.clone())));
    assert_refused(&app, "Dialers/DialerTask", &cases).await;
}

// RemoveContact ------------------------------------------------------------------------------------

#[tokio::test]
async fn remove_contact_removes_the_number_from_that_campaigns_spool() {
    let app = TestApp::spawn().await;
    respool(&app, &seed_callspool()).await.assert_one(); // Ventas-> 098344484, contact 222
    respool(&app, &json!({"campaign": "Ventas->", "destination": "098344484", "contact": 223})).await.assert_one();
    respool(&app, &json!({"campaign": "Ventas->", "destination": "099000002"})).await.assert_one();
    respool(&app, &json!({"campaign": "Power<-", "destination": "098344484"})).await.assert_one();

    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "098344484")]).await.assert_one();
    let left: Vec<(String, String)> = app
        .state("spool")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["campaign"].as_str().unwrap().into(), r["destination"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        left,
        vec![("Ventas->".into(), "099000002".into()), ("Power<-".into(), "098344484".into())],
        "every entry of that number in that campaign goes, nothing else"
    );
}

#[tokio::test]
async fn remove_contact_of_an_absent_number_answers_one() {
    let app = TestApp::spawn().await;
    respool(&app, &seed_callspool()).await.assert_one();
    let before = app.snapshot().await;
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "099999999")]).await.assert_one();
    // Numbers are compared exactly: 98344484 is not 098344484.
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "98344484")]).await.assert_one();
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn remove_contact_keeps_numbers_verbatim() {
    let app = TestApp::spawn().await;
    respool(&app, &json!({"campaign": "nombreCampaña<-", "destination": "12-345-678"})).await.assert_one();
    respool(&app, &json!({"campaign": "nombreCampaña<-", "destination": "12345678"})).await.assert_one();
    app.post("Dialers/RemoveContact", &[("campaign", "nombreCampaña<-"), ("number", "12-345-678")]).await.assert_one();
    let spool = app.state("spool").await;
    assert_eq!(spool.as_array().unwrap().len(), 1);
    assert_eq!(spool[0]["destination"], "12345678");
}

#[tokio::test]
async fn remove_contact_refusals_answer_zero_and_change_nothing() {
    let app = TestApp::spawn().await;
    respool(&app, &seed_callspool()).await.assert_one();
    let s = |v: &str| v.to_string();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("nothing", vec![]),
        ("no campaign", vec![("number", s("098344484"))]),
        ("empty campaign", vec![("campaign", s("")), ("number", s("098344484"))]),
        ("no number", vec![("campaign", s("Ventas->"))]),
        ("empty number", vec![("campaign", s("Ventas->")), ("number", s(""))]),
        ("unknown campaign", vec![("campaign", s("Nope->")), ("number", s("098344484"))]),
        ("campaign of another case", vec![("campaign", s("VENTAS->")), ("number", s("098344484"))]),
    ];
    assert_refused(&app, "Dialers/RemoveContact", &cases).await;
}

// RemoveScheduleDialerCall -------------------------------------------------------------------------

#[tokio::test]
async fn remove_schedule_dialer_call_removes_schedules_and_dated_tasks_in_the_window() {
    let app = TestApp::spawn().await;
    let at = |calldate: &str, campaign: &str, destination: &str| {
        let mut call = json!({"calldate": calldate, "campaign": campaign});
        call["destination"] = json!(destination);
        call
    };
    let schedules = [
        at("2026-01-10 08:00:00", "Sales->", "098344484"), // from: inclusive, removed
        at("2026-01-10 10:00:00", "Sales->", "098344484"), // inside, removed
        at("2026-01-10 12:00:00", "Sales->", "098344484"), // to: inclusive, removed
        at("2026-01-10 12:00:01", "Sales->", "098344484"), // a second after: kept
        at("2026-01-10 07:59:59", "Sales->", "098344484"), // a second before: kept
        at("2026-01-10 10:00:00", "Sales->", "099000001"), // another number: kept
        at("2026-01-10 10:00:00", "Sale->", "098344484"),  // another campaign: kept
    ];
    for s in &schedules {
        schedule(&app, s).await.assert_one();
    }
    let dated = task(json!({"calldate": "2026-01-10 11:00:00", "campaign": "Sales->", "destination": "098344484"}));
    let later = task(json!({"calldate": "2026-01-11 11:00:00", "campaign": "Sales->", "destination": "098344484"}));
    let undated = task(json!({"campaign": "Sales->", "destination": "098344484"}));
    for t in [&dated, &later, &undated] {
        dialer_task(&app, t).await.assert_one();
    }

    let window = [
        ("campaign", "Sales->"),
        ("destination", "098344484"),
        ("from", "2026-01-10 08:00:00"),
        ("to", "2026-01-10 12:00:00"),
    ];
    app.post("Dialers/RemoveScheduleDialerCall", &window).await.assert_one();

    // (calldate, campaign, destination) of each schedule, sorted.
    let keys = |rows: &[&Value]| {
        let mut keys: Vec<String> =
            rows.iter().map(|r| format!("{} {} {}", r["calldate"], r["campaign"], r["destination"])).collect();
        keys.sort();
        keys
    };
    let left = app.state("schedules").await;
    let left: Vec<&Value> = left.as_array().unwrap().iter().collect();
    assert_eq!(keys(&left), keys(&[&schedules[3], &schedules[4], &schedules[5], &schedules[6]]));

    let tasks = app.state("tasks").await;
    let kept: Vec<Option<&str>> = tasks.as_array().unwrap().iter().map(|t| t["calldate"].as_str()).collect();
    assert_eq!(kept, vec![Some("2026-01-11 11:00:00"), None], "the dated task in the window goes, the rest stay");
}

#[tokio::test]
async fn remove_schedule_dialer_call_of_the_seed_day_removes_the_seed_schedule() {
    let app = TestApp::spawn().await;
    schedule(&app, &seed_callschedule()).await.assert_one();
    let day = [
        ("campaign", "Sales->"),
        ("destination", "098344484"),
        ("from", "2015-10-11 00:00:00"),
        ("to", "2015-10-11 23:59:59"),
    ];
    app.post("Dialers/RemoveScheduleDialerCall", &day).await.assert_one();
    assert_eq!(app.state("schedules").await, json!([]));
    // Again, with nothing left in the window: still 1, nothing changes.
    let before = app.snapshot().await;
    app.post("Dialers/RemoveScheduleDialerCall", &day).await.assert_one();
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn remove_schedule_dialer_call_with_from_equal_to_to_removes_that_instant() {
    let app = TestApp::spawn().await;
    schedule(&app, &seed_callschedule()).await.assert_one();
    let instant = [
        ("campaign", "Sales->"),
        ("destination", "098344484"),
        ("from", "2015-10-11 15:00:00"),
        ("to", "2015-10-11 15:00:00"),
    ];
    app.post("Dialers/RemoveScheduleDialerCall", &instant).await.assert_one();
    assert_eq!(app.state("schedules").await, json!([]));
}

#[tokio::test]
async fn remove_schedule_dialer_call_refusals_answer_zero_and_change_nothing() {
    let app = TestApp::spawn().await;
    schedule(&app, &seed_callschedule()).await.assert_one();
    dialer_task(
        &app,
        &task(json!({"calldate": "2015-10-11 16:00:00", "campaign": "Sales->",
                                    "destination": "098344484"})),
    )
    .await
    .assert_one();
    let form = |campaign: &str, destination: &str, from: &str, to: &str| -> Vec<(&'static str, String)> {
        vec![
            ("campaign", campaign.to_string()),
            ("destination", destination.to_string()),
            ("from", from.to_string()),
            ("to", to.to_string()),
        ]
    };
    let (from, to) = ("2015-10-11 00:00:00", "2015-10-11 23:59:59");
    let partial = |skip: &str| -> Vec<(&'static str, String)> {
        form("Sales->", "098344484", from, to).into_iter().filter(|(k, _)| *k != skip).collect()
    };
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("nothing", vec![]),
        ("no campaign", partial("campaign")),
        ("no destination", partial("destination")),
        ("no from", partial("from")),
        ("no to", partial("to")),
        ("empty campaign", form("", "098344484", from, to)),
        ("empty destination", form("Sales->", "", from, to)),
        ("empty from", form("Sales->", "098344484", "", to)),
        ("empty to", form("Sales->", "098344484", from, "")),
        ("unknown campaign", form("Nope->", "098344484", from, to)),
        ("from without time", form("Sales->", "098344484", "2015-10-11", to)),
        ("to without seconds", form("Sales->", "098344484", from, "2015-10-11 23:59")),
        ("from day first", form("Sales->", "098344484", "11/10/2015 00:00:00", to)),
        ("to ISO T", form("Sales->", "098344484", from, "2015-10-11T23:59:59")),
        ("from impossible", form("Sales->", "098344484", "2015-02-30 00:00:00", to)),
        ("from after to", form("Sales->", "098344484", to, from)),
    ];
    assert_refused(&app, "Dialers/RemoveScheduleDialerCall", &cases).await;
}

// Tokens -------------------------------------------------------------------------------------------

#[tokio::test]
async fn dialer_routes_without_a_token_answer_401_and_change_nothing() {
    let app = TestApp::spawn().await;
    let before = app.snapshot().await;
    let forms: [(&str, Vec<(&str, String)>); 5] = [
        ("Dialers/Respool", with("callspool", &seed_callspool())),
        ("Dialers/ScheduleDialerCall", with("callschedule", &seed_callschedule())),
        ("Dialers/DialerTask", with("call", &task(json!({})))),
        ("Dialers/RemoveContact", vec![("campaign", "Ventas->".into()), ("number", "098344484".into())]),
        (
            "Dialers/RemoveScheduleDialerCall",
            vec![
                ("campaign", "Sales->".into()),
                ("destination", "098344484".into()),
                ("from", "2015-10-11 00:00:00".into()),
                ("to", "2015-10-11 23:59:59".into()),
            ],
        ),
    ];
    for (route, form) in &forms {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = app.post_anon(route, &form).await;
        assert_eq!((reply.status, reply.body.as_str()), (401, ""), "{route}");
        assert_eq!(reply.headers.get("www-authenticate").unwrap(), "Basic realm=\"Integra\"", "{route}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn an_agentphone_that_is_no_agents_phone_is_refused() {
    let app = TestApp::spawn().await;
    let unknown = json!("9999");
    assert_refused(
        &app,
        "Dialers/Respool",
        &[("unknown agentphone", with("callspool", &replaced(&seed_callspool(), "agentphone", unknown.clone())))],
    )
    .await;
    assert_refused(
        &app,
        "Dialers/ScheduleDialerCall",
        &[("unknown agentphone", with("callschedule", &replaced(&seed_callschedule(), "agentphone", unknown)))],
    )
    .await;
    // an empty one means "no agent"
    respool(&app, &replaced(&seed_callspool(), "agentphone", json!(""))).await.assert_one();
    schedule(&app, &replaced(&seed_callschedule(), "agentphone", json!(""))).await.assert_one();
}
