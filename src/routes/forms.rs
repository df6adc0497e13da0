//! The vendor's forms as the OpenAPI document shows them (`application/x-www-form-urlencoded`):
//! each field required or optional, what it means, and an example from the vendor's page that works
//! against the default world. A required field left out gets the route's documented refusal (a `0`,
//! or DispositionCall's 400) whose `X-Mock-Reason` names every missing field; these types only
//! describe the forms (the handlers read them with `http::Form`).

#![allow(dead_code)]

use utoipa::ToSchema;

/// `auth/getUserToken` and `auth/UserLogin`.
#[derive(ToSchema)]
pub struct Login {
    /// The user's name.
    #[schema(example = "admin")]
    pub user: String,
    /// The user's password, compared as given.
    #[schema(example = "admin")]
    pub password: String,
}

/// `auth/EndSession`.
#[derive(ToSchema)]
pub struct EndSession {
    /// The token's user.
    #[schema(example = "admin")]
    pub user: String,
    /// The token to end, as a login answered it.
    #[schema(example = "YWRtaW46OTgzNWM1MjUtMzU2Ny00YjgyLWEwYWYtY2NkMjNlMDhjNzA3")]
    pub token: String,
}

/// `api/DispositionCall` (docs/contract.md, section 4).
#[derive(ToSchema)]
pub struct Disposition {
    /// The campaign's name.
    #[schema(example = "Ventas->")]
    pub campaign: String,
    /// The agent's name.
    #[schema(example = "Agente1")]
    pub agent: String,
    /// The customer's number.
    #[schema(example = "098344484")]
    pub callerid: String,
    /// The call's guid.
    #[schema(example = "7e4e7db9-f080-494e-b04b-7c8e47711558")]
    pub guid: String,
    /// Disposition level 1.
    #[schema(example = "Venta")]
    pub l1: String,
    /// Disposition level 2.
    #[schema(example = "")]
    pub l2: Option<String>,
    /// Disposition level 3.
    #[schema(example = "")]
    pub l3: Option<String>,
    /// Extra data.
    #[schema(example = "")]
    pub d1: Option<String>,
    /// Extra data.
    #[schema(example = "")]
    pub d2: Option<String>,
    /// A comment.
    #[schema(example = "Compra confirmada")]
    pub comment: Option<String>,
    /// When to call again (`yyyy-MM-dd HH:mm:ss`): required when the disposition reschedules.
    #[schema(example = "2026-01-06 10:00:00")]
    pub schedule: Option<String>,
    /// The campaign of the new call (default: `campaign`).
    #[schema(example = "Ventas->")]
    pub camptoreschedule: Option<String>,
    /// The `txtcode` answered (default: `l1|l2|l3`).
    #[schema(example = "Venta")]
    pub tag: Option<String>,
}

/// `admin/addblack` and `admin/deleteblack`: a blacklist object as JSON text (for the bulk routes,
/// an array of them).
#[derive(ToSchema)]
pub struct Blacklist {
    /// `{"phone", "campaign", "username", "company", "job_title", "name"}`; `phone` and `campaign`
    /// required, `*` for every campaign.
    #[schema(
        example = r#"{"phone": "12341234", "campaign": "Campaign", "username": "username", "company": "Company name", "job_title": "Developer", "name": "Name"}"#
    )]
    pub blacklist: String,
}

/// `admin/addblackbulk` and `admin/deleteblackbulk`.
#[derive(ToSchema)]
pub struct BlacklistBulk {
    /// A JSON array of blacklist objects: all are taken, or none.
    #[schema(example = r#"[{"phone": "12341234", "campaign": "*"}, {"phone": "43214321", "campaign": "Campaign"}]"#)]
    pub blacklist: String,
}

/// `Cdr/getrecords`.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct Records {
    /// Rows to skip: 0 gives rows 1-50, 50 gives 51-100 (default 0).
    #[schema(example = "0")]
    pub lastrow: Option<String>,
    /// Rows per page (default 50, at most 1000).
    #[schema(example = "50")]
    pub searchLimit: Option<String>,
    /// The filter object as JSON text; an absent or empty field means any.
    #[schema(
        example = r#"{"calldatei": "2015-12-03 00:00:00", "calldatef": "2026-12-31 23:59:59", "agent": "", "campaign": "", "source": "", "destination": "", "data": "", "range": "", "rating": "", "mindur": "", "exclude": "", "type": "record", "cont": ""}"#
    )]
    pub filter: Option<String>,
}

/// `Dialers/Respool`.
#[derive(ToSchema)]
pub struct Respool {
    /// The spool entry as JSON text: `campaign` and `destination` required; `dialerbase`, `status`,
    /// `data`, `alternatives`, `contact`, `retries`, `priority`, `agentphone` optional.
    #[schema(
        example = r#"{"campaign": "Ventas->", "destination": "098344484", "dialerbase": "basetest", "status": 1, "data": "Par1=Val1:Par2=Val2", "alternatives": "098124484", "contact": 222, "retries": 0, "priority": 100, "agentphone": "1001"}"#
    )]
    pub callspool: String,
}

/// `Dialers/ScheduleDialerCall`.
#[derive(ToSchema)]
pub struct Schedule {
    /// The scheduled call as JSON text: `calldate`, `campaign` and `destination` required;
    /// `alternatives`, `agentphone`, `data` optional.
    #[schema(
        example = r#"{"calldate": "2015-10-11 15:00:00", "campaign": "Sales->", "destination": "098344484", "alternatives": "099124484:099121212", "agentphone": "1001", "data": "Par1=Val1:Par2=Val2"}"#
    )]
    pub callschedule: String,
}

/// `Dialers/DialerTask`.
#[derive(ToSchema)]
pub struct Task {
    /// The task as JSON text, every key present: `calldate` (null for none), `campaign`,
    /// `destination`, `alternatives`, `agent`, `data`, `source`, `bulk`, `automatic`.
    #[schema(
        example = r#"{"calldate": null, "campaign": "nombreCampaña<-", "destination": "12-345-678", "alternatives": "", "agent": "", "data": "idcustomer=7:name=Seba", "source": "source", "bulk": false, "automatic": true}"#
    )]
    pub call: String,
}

/// `Dialers/RemoveContact`.
#[derive(ToSchema)]
pub struct RemoveContact {
    /// The campaign's name.
    #[schema(example = "Ventas->")]
    pub campaign: String,
    /// The main number to remove from its lists.
    #[schema(example = "098344484")]
    pub number: String,
}

/// `Dialers/RemoveScheduleDialerCall`.
#[derive(ToSchema)]
pub struct RemoveSchedule {
    /// The campaign's name.
    #[schema(example = "Sales->")]
    pub campaign: String,
    /// The number whose schedules go.
    #[schema(example = "098344484")]
    pub destination: String,
    /// From (`yyyy-MM-dd HH:mm:ss`, inclusive).
    #[schema(example = "2015-10-11 00:00:00")]
    pub from: String,
    /// To (`yyyy-MM-dd HH:mm:ss`, inclusive).
    #[schema(example = "2015-10-11 23:59:59")]
    pub to: String,
}

/// `Dialers/uploadbase`.
#[derive(ToSchema)]
pub struct Upload {
    /// The file's name (kept as the entries' `dialerbase`).
    #[schema(example = "base.txt")]
    pub filename: String,
    /// The file in base64: one record a line, `campaign;main number;k=v:k=v;alternatives;priority;agent phone`
    /// (the example is `prueba1;098344484;var1=val1:var2=val2;099124484:099111111;9999;1001`).
    #[schema(example = "cHJ1ZWJhMTswOTgzNDQ0ODQ7dmFyMT12YWwxOnZhcjI9dmFsMjswOTkxMjQ0ODQ6MDk5MTExMTExOzk5OTk7MTAwMQ==")]
    pub fileb64: String,
    /// The campaign every record must name.
    #[schema(example = "prueba1")]
    pub campaign: String,
    /// How many records the file holds (a difference is noted in the report).
    #[schema(example = "1")]
    pub cant: Option<String>,
    /// Who uploads it (default: the token's user).
    #[schema(example = "admin")]
    pub username: Option<String>,
}

/// `Dialers/uploadbasewithtimezone`: uploadbase's fields, plus the records' time zone.
#[derive(ToSchema)]
pub struct UploadWithTimezone {
    #[serde(flatten)]
    pub upload: Upload,
    /// The records' time zone (IANA), for their calling hours.
    #[schema(example = "America/Montevideo")]
    pub timezone: String,
}

/// `Agents/AgentCall`: every field required.
#[derive(ToSchema)]
pub struct AgentCall {
    /// The number the call is made from (shown to the customer).
    #[schema(example = "24001234")]
    pub callerid: String,
    /// The agent placing the call (the CDRs' `peeraccount`).
    #[schema(example = "Agente1")]
    pub agent: String,
    /// The agent's phone, which rings first.
    #[schema(example = "1001")]
    pub phone: String,
    /// The phone's technology.
    #[schema(example = "SIP")]
    pub tech: String,
    /// The agent's context.
    #[schema(example = "agentes")]
    pub context: String,
    /// The campaign the call counts in.
    #[schema(example = "test->")]
    pub outqueue: String,
    /// The customer's number.
    #[schema(example = "099123456")]
    pub destination: String,
}

/// `Agents/AgentCallwithData`: AgentCall's fields, plus data for the workflow.
#[derive(ToSchema)]
pub struct AgentCallWithData {
    #[serde(flatten)]
    pub call: AgentCall,
    /// Data for the workflow and forms (the CTI's `ParAndValues`, the CDRs' `parandvalues`).
    #[schema(example = "idcustomer=7:name=Seba")]
    pub data: Option<String>,
    /// The form to show (a name or a URL; the CTI's `Form`).
    #[schema(example = "https://example.com/form")]
    pub form: Option<String>,
}

/// `Agents/HangupPhone`.
#[derive(ToSchema)]
pub struct Hangup {
    /// The agent's phone whose call ends.
    #[schema(example = "1001")]
    pub phone: String,
}

/// `Agents/TagRecord`.
#[derive(ToSchema)]
pub struct Tag {
    /// The agent's phone (recorded only).
    #[schema(example = "1001")]
    pub phone: Option<String>,
    /// The call to tag.
    #[schema(example = "7e4e7db9-f080-494e-b04b-7c8e47711558")]
    pub guid: String,
    /// The tag's text (the CDRs' `note`; a later tag replaces it).
    #[schema(example = "cliente interesado")]
    pub data: String,
}

/// `Supervisor/campaignstatus`.
#[derive(ToSchema)]
pub struct CampaignStatus {
    /// A campaign's name for it and its members; empty or absent for every campaign.
    #[schema(example = "test->")]
    pub queue: Option<String>,
}

/// No parameters.
#[derive(ToSchema)]
pub struct Nothing {}

/// `Supervisor/convert`.
#[derive(ToSchema)]
pub struct Convert {
    /// The call whose GSM recording is converted.
    #[schema(example = "7e4e7db9-f080-494e-b04b-7c8e47711558")]
    pub guid: String,
    /// The recording's folder (`yyyyMMdd`); empty for the root.
    #[schema(example = "20160118")]
    pub folder: Option<String>,
    /// The vendor's page's name of `folder`, read when `folder` is absent.
    #[schema(example = "20160118")]
    pub pasta: Option<String>,
}
