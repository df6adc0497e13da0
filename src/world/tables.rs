//! The world's tables as JSON arrays of rows, for `GET /_mock/state/<table>`: what a test or a
//! person reads to see what a request changed. Keys are the vendor's names where it has them.

use serde::Serialize;
use serde_json::{Value, json};

use super::World;
use super::error::Failure;
use crate::model::vendor_date::VendorDate;
use crate::store::records;
use crate::store::{schedules, spool, tasks, uploads};

/// The tables `GET /_mock/state/<table>` knows.
pub const TABLES: [&str; 13] = [
    "campaigns",
    "agents",
    "users",
    "sessions",
    "calls",
    "dispositions",
    "blacklist",
    "spool",
    "schedules",
    "tasks",
    "uploads",
    "cdrs",
    "recordings",
];

impl World {
    /// The rows of `table`, or `None` when there is no such table.
    pub async fn table(&self, table: &str) -> Result<Option<Value>, Failure> {
        let pool = self.store().reader();
        let rows = match table {
            "campaigns" => self
                .config()
                .campaigns
                .iter()
                .map(|c| {
                    let mut row = to_value(c);
                    row["dispositions"] = to_value(&self.config().dispositions_of(&c.name).collect::<Vec<_>>());
                    row
                })
                .collect(),
            "agents" => {
                let engine = self.engine().await?;
                self.config()
                    .agents
                    .iter()
                    .zip(engine.agents())
                    .map(|(a, live)| {
                        let call = live.call.and_then(|id| engine.calls().find(|c| c.id == id)).map(|c| c.guid.clone());
                        json!({"user": a.username, "name": a.name, "phone": a.phone, "tech": a.tech, "context": a.context,
                               "interface": a.interface(), "logged_in": live.logged_in, "paused": live.paused,
                               "pausedreason": live.pause_reason, "status": live.status, "call": call})
                    })
                    .collect()
            }
            "calls" => {
                let engine = self.engine().await?;
                let stamp = |t: crate::clock::Millis| VendorDate::from(self.clock().local(t)).to_string();
                engine
                    .calls()
                    .map(|c| {
                        json!({"guid": c.guid, "campaign": engine.queues()[c.queue].name, "direction": c.origin.direction(),
                               "customer": c.customer, "callerid": c.callerid, "agent": c.agent_label, "phone": c.agent_phone,
                               "phase": c.phase.as_str(), "started": stamp(c.created), "data": c.data, "form": c.form,
                               "note": c.note})
                    })
                    .collect()
            }
            "users" => self
                .config()
                .users
                .iter()
                .map(|u| json!({"user": u.username, "name": u.name, "profile": u.profile, "phone": u.phone}))
                .collect(),
            "sessions" => {
                crate::store::sessions::all(pool)
                    .await?
                    .into_iter()
                    .map(|(token, user, created, ended)| json!({"token": crate::model::token::mask_token(&token), "user": user, "created_at": created, "ended_at": ended}))
                    .collect()
            }
            "dispositions" => rows(records::all_dispositions(pool).await?),
            "blacklist" => rows(records::all_blacklist(pool).await?),
            "spool" => rows(spool::all_spool(pool).await?),
            "schedules" => rows(schedules::all_schedules(pool).await?),
            "tasks" => rows(tasks::all_tasks(pool).await?),
            "uploads" => rows(uploads::all_uploads(pool).await?),
            "cdrs" => rows(records::all_cdrs(pool).await?),
            "recordings" => self.recordings_table().await?,
            _ => return Ok(None),
        };
        Ok(Some(Value::Array(rows)))
    }
}

fn to_value(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn rows<T: Serialize>(items: Vec<T>) -> Vec<Value> {
    items.iter().map(to_value).collect()
}
