//! What integrators hand the dialer (docs/contract.md, section 7): `Dialers/Respool`, `ScheduleDialerCall`,
//! `DialerTask`, `RemoveContact`, `RemoveScheduleDialerCall`. Everything lands where the dialer
//! looks: the spool (its lists), schedules, and tasks.

use super::World;
use super::dispositions::DEFAULT_PRIORITY;
use super::error::{Failure, refuse, refused, require};
use super::json::{self, Object};
use crate::model::config::{Campaign, CampaignKind};
use crate::model::lists::{ENABLED, EntryState};
use crate::model::vendor_date::{VendorDate, is_null_date};
use crate::model::why::Why;
use crate::store::lists::{self, Dated};
use crate::store::schedules::ScheduleRow;
use crate::store::spool::SpoolRow;
use crate::store::tasks::TaskRow;
use crate::store::{schedules, spool, tasks};

/// The largest contact id, retry count or priority a client may send (room to count on from there).
pub const MAX_NUMBER: i64 = 1 << 40;

/// The priority of tasks "called within moments" and of schedules.
pub const URGENT_PRIORITY: i64 = 1;

/// How a DialerTask was filed (docs/contract.md, section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskMode {
    /// No date, `automatic`: queued with priority 1, called within moments.
    Queued,
    /// No date, neither bulk nor automatic: a call now, to the first available agent.
    Manual,
    /// No date, `bulk`: added to the campaign's list (the spool).
    List,
    /// A real date: called at that date.
    Scheduled,
}

impl TaskMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Manual => "manual",
            Self::List => "list",
            Self::Scheduled => "scheduled",
        }
    }
}

impl World {
    fn known_campaign(&self, name: &str) -> Result<&Campaign, Failure> {
        match self.config().campaign(name) {
            Some(c) => Ok(c),
            None => refuse(Why::UnknownCampaign, format!("campaign {name:?} does not exist")),
        }
    }

    /// A non-empty `agentphone` must be an agent's phone (docs/contract.md, section 1: unknown agent, `0`).
    fn known_phone(&self, what: &str, phone: Option<String>) -> Result<Option<String>, Failure> {
        match phone {
            Some(p) if !p.is_empty() && self.config().agent_by_phone(&p).is_none() => {
                refuse(Why::UnknownAgent, format!("{what}.agentphone {p:?} is not a known agent phone"))
            }
            other => Ok(other),
        }
    }

    /// `Dialers/Respool`: updates the entry with the same `contact` in the campaign, or adds one.
    pub async fn respool(&self, callspool: Option<&str>) -> Result<(), Failure> {
        let value = json::required("callspool", callspool)?;
        let o = Object::new("callspool", &value)?;
        o.require(&["campaign", "destination"])?;
        let campaign = o.required("campaign")?;
        let destination = o.required("destination")?;
        let woken = self.known_campaign(&campaign)?.name.clone();
        let agentphone = self.known_phone("callspool", o.text("agentphone")?)?;
        let now = self.clock().stamp();
        let contact = o.integer_in("contact", 0..=MAX_NUMBER)?;
        let retries = o.integer_in("retries", 0..=MAX_NUMBER)?;
        let priority = o.integer_in("priority", -MAX_NUMBER..=MAX_NUMBER)?;
        let status = o.integer_in("status", -MAX_NUMBER..=MAX_NUMBER)?;
        let mut tx = self.store().writer().begin().await?;
        let existing = match contact {
            Some(c) => spool::spool_by_contact(&mut tx, &campaign, c).await?,
            None => None,
        };
        match existing {
            Some(mut entry) => {
                // The vendor's "do not change" list: campaign, status, contact, dialerbase stay.
                entry.destination = destination;
                entry.alternatives = o.text("alternatives")?.unwrap_or(entry.alternatives);
                entry.retries = retries.unwrap_or(entry.retries);
                entry.priority = priority.unwrap_or(entry.priority);
                entry.data = o.text("data")?.unwrap_or(entry.data);
                entry.agentphone = agentphone.unwrap_or(entry.agentphone);
                entry.state = EntryState::Pending.into();
                entry.updated_at = now;
                spool::update_spool(&mut tx, &entry).await?;
            }
            None => {
                let contact = match contact {
                    Some(c) => c,
                    None => spool::next_contact(&mut tx).await?,
                };
                let priority = priority.unwrap_or(DEFAULT_PRIORITY);
                let entry = SpoolRow {
                    dialerbase: o.text("dialerbase")?,
                    status: status.unwrap_or(ENABLED),
                    data: o.text_or_empty("data")?,
                    alternatives: o.text_or_empty("alternatives")?,
                    contact,
                    retries: retries.unwrap_or(0),
                    agentphone: agentphone.unwrap_or_default(),
                    ..SpoolRow::new(&campaign, &destination, priority, "respool", &now)
                };
                spool::insert_spool(&mut tx, &entry).await?;
            }
        }
        tx.commit().await?;
        self.wake_dialer(&woken).await;
        Ok(())
    }

    /// `Dialers/ScheduleDialerCall`: a call at `calldate` (a past date is called as soon as possible).
    pub async fn schedule_call(&self, callschedule: Option<&str>) -> Result<(), Failure> {
        let value = json::required("callschedule", callschedule)?;
        let o = Object::new("callschedule", &value)?;
        o.require(&["calldate", "campaign", "destination"])?;
        let calldate = o.required("calldate")?;
        let calldate: VendorDate =
            calldate.parse().map_err(|e| refused(Why::BadDate)(format!("callschedule.calldate: {e}")))?;
        let campaign = o.required("campaign")?;
        let destination = o.required("destination")?;
        self.known_campaign(&campaign)?;
        let agentphone = self.known_phone("callschedule", o.text("agentphone")?)?;
        let row = ScheduleRow {
            id: 0,
            calldate: calldate.to_string(),
            campaign,
            destination,
            alternatives: o.text_or_empty("alternatives")?,
            agentphone: agentphone.unwrap_or_default(),
            data: o.text_or_empty("data")?,
            origin: "api".into(),
            state: EntryState::Pending.into(),
            created_at: self.clock().stamp(),
            last_result: None,
        };
        let mut conn = self.store().writer().acquire().await?;
        schedules::insert_schedule(&mut conn, &row).await?;
        drop(conn);
        self.wake_dialer(&row.campaign).await;
        Ok(())
    }

    /// `Dialers/DialerTask`: files the task by its mode (see [`TaskMode`]).
    pub async fn dialer_task(&self, call: Option<&str>) -> Result<TaskMode, Failure> {
        let value = json::required("call", call)?;
        let o = Object::new("call", &value)?;
        const KEYS: [&str; 9] =
            ["calldate", "campaign", "destination", "alternatives", "agent", "data", "source", "bulk", "automatic"];
        if let Some(missing) = KEYS.iter().find(|k| !o.has(k)) {
            return refuse(
                Why::MissingField,
                format!("call.{missing} is missing (every key of the task must be present)"),
            );
        }
        let calldate = match o.text("calldate")? {
            Some(d) if !is_null_date(&d) => {
                Some(d.parse::<VendorDate>().map_err(|e| refused(Why::BadDate)(format!("call.calldate: {e}")))?)
            }
            _ => None,
        };
        o.require(&["campaign", "destination"])?;
        let campaign = o.required("campaign")?;
        let destination = o.required("destination")?;
        let campaign = self.known_campaign(&campaign)?.clone();
        let bulk = o.boolean("bulk")?;
        let automatic = o.boolean("automatic")?;
        let agent = o.text_or_empty("agent")?;
        let agentphone = if agent.is_empty() {
            String::new()
        } else {
            match self.config().agent_by_name_or_phone(&agent) {
                Some(a) => a.phone.clone(),
                None => {
                    return refuse(
                        Why::UnknownAgent,
                        format!("agent {agent:?} is neither an agent's username nor phone"),
                    );
                }
            }
        };
        let mode = match (calldate, bulk, automatic) {
            (Some(_), _, _) => TaskMode::Scheduled,
            (None, true, _) => TaskMode::List,
            (None, false, true) => TaskMode::Queued,
            (None, false, false) => TaskMode::Manual,
        };
        if mode == TaskMode::List && campaign.kind == CampaignKind::Progressive && agentphone.is_empty() {
            return refuse(
                Why::NeedsAgent,
                format!("campaign {:?} is progressive: a list task needs an agent", campaign.name),
            );
        }
        let now = self.clock().stamp();
        let mut tx = self.store().writer().begin().await?;
        if mode == TaskMode::List {
            let source = format!("task:{}", o.text_or_empty("source")?);
            let entry = SpoolRow {
                data: o.text_or_empty("data")?,
                alternatives: o.text_or_empty("alternatives")?,
                contact: spool::next_contact(&mut tx).await?,
                agentphone,
                ..SpoolRow::new(&campaign.name, &destination, DEFAULT_PRIORITY, &source, &now)
            };
            spool::insert_spool(&mut tx, &entry).await?;
        } else {
            let task = TaskRow {
                id: 0,
                calldate: calldate.map(|d| d.to_string()),
                campaign: campaign.name.clone(),
                destination,
                alternatives: o.text_or_empty("alternatives")?,
                agent,
                data: o.text_or_empty("data")?,
                source: o.text_or_empty("source")?,
                bulk,
                automatic,
                mode: mode.as_str().into(),
                agentphone,
                // Dated tasks are schedules (priority 1, and the dialer puts a date first); undated
                // automatic ones are queued with priority 1 too (the vendor's "prioridad 1").
                priority: if mode == TaskMode::Manual { DEFAULT_PRIORITY } else { URGENT_PRIORITY },
                state: EntryState::Pending.into(),
                created_at: now,
                last_result: None,
            };
            tasks::insert_task(&mut tx, &task).await?;
        }
        tx.commit().await?;
        self.wake_dialer(&campaign.name).await;
        Ok(mode)
    }

    /// `Dialers/RemoveContact`: the number leaves the campaign's lists (absent numbers too).
    pub async fn remove_contact(&self, campaign: &str, number: &str) -> Result<u64, Failure> {
        require(&[("campaign", campaign), ("number", number)])?;
        self.known_campaign(campaign)?;
        let mut conn = self.store().writer().acquire().await?;
        let removed = spool::delete_spool_number(&mut conn, campaign, number).await?;
        self.publish("lists", || serde_json::json!({"campaign": campaign, "at": self.clock().stamp()}));
        Ok(removed)
    }

    /// `Dialers/RemoveScheduleDialerCall`: removes the number's schedules between two dates.
    pub async fn remove_schedules(
        &self,
        campaign: &str,
        destination: &str,
        from: &str,
        to: &str,
    ) -> Result<u64, Failure> {
        require(&[("campaign", campaign), ("destination", destination), ("from", from), ("to", to)])?;
        let date = |name: &str, text: &str| -> Result<VendorDate, Failure> {
            text.parse().map_err(|e| refused(Why::BadDate)(format!("{name}: {e}")))
        };
        let (from, to) = (date("from", from)?, date("to", to)?);
        if from > to {
            return refuse(Why::DatesReversed, format!("from ({from}) is after to ({to})"));
        }
        self.known_campaign(campaign)?;
        // Schedules and dated tasks go together or not at all.
        let mut tx = self.store().writer().begin().await?;
        let (from, to) = (from.to_string(), to.to_string());
        let mut removed = 0;
        for list in [Dated::Schedules, Dated::Tasks] {
            removed += lists::delete_dated(&mut tx, list, campaign, destination, &from, &to).await?;
        }
        tx.commit().await?;
        self.publish("lists", || serde_json::json!({"campaign": campaign, "at": self.clock().stamp()}));
        Ok(removed)
    }
}
