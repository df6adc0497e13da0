//! What the dashboard shows of an instance (`GET /_mock/overview`): every campaign with the numbers
//! of `Supervisor/campaignstatus`, the agents, the calls in progress, the newest entries of the
//! dialer's lists and uploads, and the newest calls' CDRs with where their recording lives. The
//! lists are capped (the newest 25); the counts by state scan the list. Reading it changes nothing
//! a client can see (no `internalActionId` is drawn).

use serde_json::{Value, json};

use super::World;
use super::error::Failure;
use super::recordings::Format;
use crate::store::overview as store;

fn counted(rows: Vec<(String, i64)>) -> Value {
    Value::Object(rows.into_iter().map(|(state, n)| (state, json!(n))).collect())
}

fn values<T: serde::Serialize>(rows: Vec<T>) -> Value {
    serde_json::to_value(rows).unwrap_or(Value::Null)
}

impl World {
    pub async fn overview(&self) -> Result<Value, Failure> {
        // Every campaign at once: the only campaignstatus that draws no action id.
        let status = self.campaign_status("").await?;
        let mut campaigns = Vec::new();
        for campaign in &self.config().campaigns {
            let mut numbers = status.get(&campaign.name).cloned().unwrap_or(Value::Null);
            numbers["kind"] = json!(campaign.kind.as_str());
            campaigns.push(numbers);
        }
        let pool = self.store().reader();
        let mut calls = Vec::new();
        for legs in store::newest_calls(pool).await? {
            let Some(first) = legs.first() else { continue };
            let recording = self.recording(&first.guid).await?.map(|r| {
                let playable = match r.place.format {
                    Format::Mp3 => Some(r.path(Format::Mp3)),
                    Format::Gsm => r.converted_at.as_ref().map(|_| r.path(Format::Mp3)),
                };
                json!({"host": r.place.host, "folder": r.folder_name(), "format": r.place.format,
                       "path": r.path(r.place.format), "mp3": playable, "seconds": r.seconds})
            });
            calls.push(json!({
                "guid": first.guid, "calldate": first.calldate, "campaign": first.campaign,
                "direction": first.direction, "src": first.src, "dst": first.dst,
                "finishtime": first.finishtime, "note": legs.iter().find_map(|l| l.note.clone()),
                "legs": legs.iter().map(|l| json!({"sequence": l.sequence, "peeraccount": l.peeraccount,
                    "disposition": l.disposition, "billsec": l.billsec, "lastapp": l.lastapp})).collect::<Vec<_>>(),
                "recording": recording,
            }));
        }
        Ok(json!({
            "instance": self.name(),
            "clock": {"now": self.clock().stamp(), "mode": self.clock().mode().to_string()},
            "campaigns": campaigns,
            "agents": self.table("agents").await?,
            "calls": self.table("calls").await?,
            "spool": {"counts": counted(store::counts(pool, "spool").await?), "newest": values(store::newest_spool(pool).await?)},
            "schedules": {"counts": counted(store::counts(pool, "schedules").await?), "newest": values(store::newest_schedules(pool).await?)},
            "tasks": {"counts": counted(store::counts(pool, "tasks").await?), "newest": values(store::newest_tasks(pool).await?)},
            "uploads": values(store::newest_uploads(pool).await?),
            "cdrs": calls,
        }))
    }
}
