//! The vendor's forms as the OpenAPI document shows them (`application/x-www-form-urlencoded`).
//! Every field is optional on the wire: a missing one gets the route's documented refusal.

#![allow(dead_code)]

use utoipa::ToSchema;

/// `user`, `password`.
#[derive(ToSchema)]
pub struct Login {
    pub user: Option<String>,
    pub password: Option<String>,
}

/// `user`, `token`.
#[derive(ToSchema)]
pub struct EndSession {
    pub user: Option<String>,
    pub token: Option<String>,
}

/// DispositionCall's parameters (CONTRACT section 4).
#[derive(ToSchema)]
pub struct Disposition {
    pub campaign: Option<String>,
    pub agent: Option<String>,
    pub callerid: Option<String>,
    pub guid: Option<String>,
    pub l1: Option<String>,
    pub l2: Option<String>,
    pub l3: Option<String>,
    pub d1: Option<String>,
    pub d2: Option<String>,
    pub comment: Option<String>,
    pub schedule: Option<String>,
    pub camptoreschedule: Option<String>,
    pub tag: Option<String>,
}

/// `blacklist`: a JSON object (or array for the bulk routes) as text.
#[derive(ToSchema)]
pub struct Blacklist {
    pub blacklist: Option<String>,
}

/// getrecords' `lastrow`, `searchLimit`, `filter` (a JSON object as text).
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct Records {
    pub lastrow: Option<String>,
    pub searchLimit: Option<String>,
    pub filter: Option<String>,
}

/// `callspool`: a JSON object as text.
#[derive(ToSchema)]
pub struct Respool {
    pub callspool: Option<String>,
}

/// `callschedule`: a JSON object as text.
#[derive(ToSchema)]
pub struct Schedule {
    pub callschedule: Option<String>,
}

/// `call`: a JSON object as text.
#[derive(ToSchema)]
pub struct Task {
    pub call: Option<String>,
}

/// `campaign`, `number`.
#[derive(ToSchema)]
pub struct RemoveContact {
    pub campaign: Option<String>,
    pub number: Option<String>,
}

/// `campaign`, `destination`, `from`, `to` (`yyyy-MM-dd HH:mm:ss`).
#[derive(ToSchema)]
pub struct RemoveSchedule {
    pub campaign: Option<String>,
    pub destination: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A base file upload.
#[derive(ToSchema)]
pub struct Upload {
    pub filename: Option<String>,
    pub fileb64: Option<String>,
    pub campaign: Option<String>,
    pub cant: Option<String>,
    pub username: Option<String>,
    pub timezone: Option<String>,
}

/// AgentCall's seven parameters, and AgentCallwithData's `data` and `form`.
#[derive(ToSchema)]
pub struct AgentCall {
    pub callerid: Option<String>,
    pub agent: Option<String>,
    pub phone: Option<String>,
    pub tech: Option<String>,
    pub context: Option<String>,
    pub outqueue: Option<String>,
    pub destination: Option<String>,
    pub data: Option<String>,
    pub form: Option<String>,
}

/// `phone`.
#[derive(ToSchema)]
pub struct Hangup {
    pub phone: Option<String>,
}

/// `phone`, `guid`, `data`.
#[derive(ToSchema)]
pub struct Tag {
    pub phone: Option<String>,
    pub guid: Option<String>,
    pub data: Option<String>,
}

/// `queue` (empty: every campaign).
#[derive(ToSchema)]
pub struct CampaignStatus {
    pub queue: Option<String>,
}

/// No parameters.
#[derive(ToSchema)]
pub struct Nothing {}

/// `guid`, and `folder` (or the page's `pasta`): `yyyyMMdd`, empty for the root.
#[derive(ToSchema)]
pub struct Convert {
    pub guid: Option<String>,
    pub folder: Option<String>,
    pub pasta: Option<String>,
}
