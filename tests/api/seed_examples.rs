//! Every example payload of the vendor's page (shared/seed) that the foundation serves, replayed
//! against the default world once its typesetting is undone (docs/design.md, "Defaults"): typographic quotes
//! made plain, `//` comments dropped, placeholders filled in.

use base64::Engine;
use serde_json::Value;

use crate::helpers::{JSON, TestApp};

/// Undoes the page's typesetting: typographic quotes become `"`, `// comments` end at the next
/// quote or brace (keeping a payload comma the page set inside one).
fn untypeset(text: &str) -> String {
    let plain: String = text.chars().map(|c| if matches!(c, '“' | '”' | '‘' | '’') { '"' } else { c }).collect();
    let mut out = String::new();
    let mut rest = plain.as_str();
    while let Some(at) = rest.find("//") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find(['"', '}']).unwrap_or(after.len());
        // The page sometimes set a payload's comma after the comment: `"record" //Tipo ... ,"cont"`.
        if after[..end].trim_end().ends_with(',') {
            out.push(',');
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The text is one JSON value once untypeset (the test's own check that the undoing worked).
fn json(text: &str) -> String {
    let plain = untypeset(text);
    let value: Value = serde_json::from_str(&plain).unwrap_or_else(|e| panic!("{e}: {plain}"));
    value.to_string()
}

const BLACKLIST_OBJECT: &str = r#"{ "phone": "12341234", "campaign": "Campaign", "username": "username", "company": "Company name", "job_title": "Developer", "name": "Name" }"#;

const FILTER: &str = r#"{ "calldatei": "2015-12-03 00:00:00", //Data inicial "calldatef": "2016-02-24 23:59:59", //Data final "agent": "", //Agente "campaign": "", //Campanha "source": "", //Origem "destination": "", //Destino "data": "", //Dados da chamada Tag "range": "", //Intervalo de horas "rating": "", //Calificacao "mindur": "", //Durcao mínima "exclude": "", //Excluir numero "type": "record" //Tipo de registro sempre igual ,"cont": "" //Quantas vezes, pelo menos, temos esse número no intervalo }"#;

const CALLSPOOL: &str = r#"{ “campaign": “Ventas->”, //Nome da campanha “destination": “098344484”, //Número de destino “dialerbase": “basetest”, //Nome da lista do discador “status": 1, // 1 se habilitado “data": “Par1=Val1:Par2=Val2”, // Parâmetros para o fluxo de trabalho e formulários “alternatives": “098124484”, //Números de alternativas separados por : “contact": 222, // ID do contato “retries": 0, // 0, pois estamos iniciando um novo telefone “priority": 9999, // Prioridade para ordenar os registros 1 é usado para agenda, portanto, use > 1 “agentphone": “1001” // Para discadores progressivos }"#;

const CALLSCHEDULE: &str = r#"{ “calldate” : “2015-10-11 15:00:00”, //Data a ser executada “campaign” : ‘Sales->’, //Campanha de discagem “destination” : ‘098344484’, //Destino da chamada “alternatives” : ‘099124484:099121212’, //Números alternativos “agentphone” : ‘1001’, //Número do agente se for progressivo “data” : ‘Par1=Val1:Par2=Val2’ //Valores para fluxos e formulários }"#;

const TASKS: [&str; 5] = [
    r#"{"calldate" : null, "campaign" : "nombreCampaña<-", "destination": "12-345-678", "alternatives": "", "agent" : "", "data": "idcustomer=7:name=Seba", "source": "source", "bulk" : false, "automatic" : true }"#,
    r#"{"calldate" : null, "campaign" : "nombreCampaña<-", "destination": "12-345-678", "alternatives": "", "agent" : "", "data": "idcustomer=7", "source": "source", "bulk" : false, "automatic" : false }"#,
    r#"{"calldate" : null, "campaign" : "nombreCampaña->", "destination": "12-345-678", "alternatives": "", "agent" : "Agente1", "data": "idcustomer=7", "source": "source", "bulk" : true, "automatic" : false }"#,
    r#"{"calldate" : null, "campaign" : "nombreCampaña->", "destination": "12-345-678", "alternatives": "", "agent" : "1001", "data": "idcustomer=7", "source": "source", "bulk" : true, "automatic" : false }"#,
    r#"{"calldate" : "2015-10-11 15:00:00", "campaign" : "nombreCampaña->", "destination": "12-345-678", "alternatives": "", "agent" : "Agente1", "data": "idcustomer=7", "source": "source", "bulk" : true, "automatic" : false }"#,
];

/// The guid the page's recording examples name.
const EXAMPLE_GUID: &str = "7e4e7db9-f080-494e-b04b-7c8e47711558";

const BASE_FILE: &str = "prueba1;098344484;var1=val1:var2=val2;099124484:099111111;9999;1001";

#[tokio::test]
async fn the_seed_payloads_succeed_against_the_default_world() {
    let app = TestApp::spawn().await;

    // Tipificar Chamadas: every parameter of the page, with a configured disposition.
    let reply = app
        .post(
            "api/DispositionCall",
            &[
                ("campaign", "Ventas->"),
                ("agent", "Agente1"),
                ("callerid", "098344484"),
                ("guid", EXAMPLE_GUID),
                ("l1", "Venta"),
                ("l2", ""),
                ("l3", ""),
                ("d1", ""),
                ("d2", ""),
                ("comment", "comentario"),
                ("schedule", ""),
                ("camptoreschedule", ""),
                ("tag", ""),
            ],
        )
        .await;
    assert_eq!(
        (reply.status, reply.content_type(), reply.body.as_str()),
        (200, Some(JSON), r#"{"Result":"ok","txtcode":"Venta||"}"#)
    );

    // Blacklist: the object, and arrays of it.
    let object = json(BLACKLIST_OBJECT);
    let array = format!("[{object}]");
    app.post("admin/addblack", &[("blacklist", &object)]).await.assert_one();
    app.post("admin/addblackbulk", &[("blacklist", &array)]).await.assert_one();
    assert_eq!(app.state("blacklist").await.as_array().unwrap().len(), 1);
    app.post("admin/deleteblack", &[("blacklist", &object)]).await.assert_one();
    app.post("admin/deleteblackbulk", &[("blacklist", &array)]).await.assert_one();
    assert_eq!(app.state("blacklist").await, serde_json::json!([]));

    // Obter gravações: the filter object, with `Aleatorio: 1 (sempre 1)`.
    let reply = app
        .post(
            "Cdr/getrecords",
            &[("lastrow", "0"), ("searchLimit", "50"), ("filter", &json(FILTER)), ("Aleatorio", "1")],
        )
        .await;
    assert_eq!((reply.status, reply.content_type()), (200, Some(JSON)));
    let guids: Vec<String> = reply.json().as_array().unwrap().iter().map(|r| r["guid"].to_string()).collect();
    assert_eq!(guids, [format!("\"{EXAMPLE_GUID}\"")], "the page's filter finds the page's example call");

    // Converter gravações: `guid` and `pasta` (20160118), then the MP3 at the page's backup URL
    // (`https://BackupRecords/records/20160118/guid.mp3`).
    let mp3_url = format!("{}/records/20160118/{EXAMPLE_GUID}.mp3", app.backup);
    assert_eq!(app.send(app.client.get(&mp3_url)).await.status, 404, "only the GSM exists at first");
    app.post("Supervisor/convert", &[("guid", EXAMPLE_GUID), ("pasta", "20160118")]).await.assert_one();
    let mp3 = app.send(app.client.get(&mp3_url)).await;
    assert_eq!((mp3.status, mp3.content_type()), (200, Some("audio/mpeg")));

    // Chamada Respool and Agendar Chamada.
    app.post("Dialers/Respool", &[("callspool", &json(CALLSPOOL))]).await.assert_one();
    app.post("Dialers/ScheduleDialerCall", &[("callschedule", &json(CALLSCHEDULE))]).await.assert_one();

    // Tareas Marcadores: each mode's example.
    for task in TASKS {
        app.post("Dialers/DialerTask", &[("call", &json(task))]).await.assert_one();
    }

    // Borrar Contacto / Borrar Agenda.
    app.post("Dialers/RemoveContact", &[("campaign", "Ventas->"), ("number", "098344484")]).await.assert_one();
    let remove = [
        ("campaign", "Sales->"),
        ("destination", "098344484"),
        ("from", "2015-10-11 00:00:00"),
        ("to", "2015-10-11 23:59:59"),
    ];
    app.post("Dialers/RemoveScheduleDialerCall", &remove).await.assert_one();

    // Subir Bases, with and without time zone.
    let b64 = base64::engine::general_purpose::STANDARD.encode(BASE_FILE);
    let upload = [
        ("filename", "base.txt"),
        ("fileb64", b64.as_str()),
        ("campaign", "prueba1"),
        ("cant", "1"),
        ("username", "admin"),
    ];
    app.post("Dialers/uploadbase", &upload).await.assert_one();
    let mut with_zone = upload.to_vec();
    with_zone.push(("timezone", "America/Montevideo"));
    app.post("Dialers/uploadbasewithtimezone", &with_zone).await.assert_one();

    // And the world shows each of them.
    let uploads = app.state("uploads").await;
    for u in uploads.as_array().unwrap() {
        assert_eq!(
            (u["status"].as_str(), u["read"].as_i64(), u["accepted"].as_i64()),
            (Some("done"), Some(1), Some(1))
        );
    }
    let spool = app.state("spool").await;
    let destinations: Vec<&str> =
        spool.as_array().unwrap().iter().map(|r| r["destination"].as_str().unwrap()).collect();
    // Respool's 098344484 was removed by RemoveContact; the two bulk tasks and two uploads remain.
    assert_eq!(destinations, ["12-345-678", "12-345-678", "098344484", "098344484"]);
    assert_eq!(app.state("schedules").await, serde_json::json!([]));
    let modes: Vec<String> =
        app.state("tasks").await.as_array().unwrap().iter().map(|t| t["mode"].as_str().unwrap().to_string()).collect();
    // The dated task (2015-10-11, nombreCampaña->) was not in Sales->'s window, so it stays.
    assert_eq!(modes, ["queued", "manual", "scheduled"]);
    assert_eq!(app.state("dispositions").await.as_array().unwrap().len(), 1);
}

#[test]
fn untypesetting_makes_plain_json() {
    assert_eq!(
        json(CALLSCHEDULE),
        r#"{"calldate":"2015-10-11 15:00:00","campaign":"Sales->","destination":"098344484","alternatives":"099124484:099121212","agentphone":"1001","data":"Par1=Val1:Par2=Val2"}"#
    );
    assert!(json(FILTER).contains(r#""type":"record","cont":"""#));
    assert!(json(CALLSPOOL).contains(r#""contact":222"#));
}
