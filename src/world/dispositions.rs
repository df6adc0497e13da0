//! `api/DispositionCall` (docs/contract.md, section 4): record a disposition on a call, then run the action
//! configured for (campaign, l1, l2, l3). Checks run in the vendor's order and answer with the
//! catalog's words.

use sqlx::SqliteConnection;

use super::World;
use super::error::Failure;
use crate::model::config::Action;
use crate::model::disposition::DispositionRequest;
use crate::model::lists::EntryState;
use crate::model::vendor_date::VendorDate;
use crate::store::records::{self, BlacklistRow, DispositionRow};
use crate::store::schedules::ScheduleRow;
use crate::store::spool::SpoolRow;
use crate::store::{schedules, spool};

/// Priority of spool entries that did not say (lower is called first; 1 is for schedules).
pub const DEFAULT_PRIORITY: i64 = 100;

impl World {
    /// Records the disposition and runs its action; answers the `txtcode` and the action it ran.
    pub async fn disposition(&self, r: DispositionRequest) -> Result<(String, Action), Failure> {
        let invalid = |key: &'static str, reason: &str| Failure::Invalid {
            key,
            message: self.catalog().render(key, &[]),
            reason: reason.into(),
        };
        let required = [
            (&r.campaign, "campaign_empty", "campaign is empty"),
            (&r.callerid, "callerid_empty", "callerid is empty"),
            (&r.guid, "guid_empty", "guid is empty"),
            (&r.agent, "agent_empty", "agent is empty"),
            (&r.l1, "l1_empty", "l1 is empty"),
        ];
        if let Some((_, key, _)) = required.iter().find(|(value, _, _)| value.is_empty()) {
            // The vendor's message names the first; the reason names them all.
            let fields: Vec<(&str, &str)> = required
                .iter()
                .map(|(value, _, reason)| (reason.trim_end_matches(" is empty"), value.as_str()))
                .collect();
            return Err(invalid(key, &crate::model::required::missing(&fields).unwrap_or_default()));
        }
        let Some(option) = self.config().disposition(&r.campaign, &r.l1, &r.l2, &r.l3) else {
            let message =
                self.catalog().render("disposition_not_found", &[("l1", &r.l1), ("l2", &r.l2), ("l3", &r.l3)]);
            let reason = format!("campaign {:?} has no disposition {:?}/{:?}/{:?}", r.campaign, r.l1, r.l2, r.l3);
            return Err(Failure::Invalid { key: "disposition_not_found", message, reason });
        };
        let action = option.action;
        let schedule = if action == Action::Reschedule {
            if r.schedule.is_empty() {
                return Err(invalid("schedule_empty", "RESCHEDULE needs a schedule date"));
            }
            let date: VendorDate = r.schedule.parse().map_err(|e: crate::model::vendor_date::NotAVendorDate| {
                let key = "schedule_format";
                Failure::Invalid { key, message: self.catalog().render(key, &[]), reason: e.to_string() }
            })?;
            Some(date)
        } else {
            None
        };
        let txtcode = if r.tag.is_empty() { format!("{}|{}|{}", r.l1, r.l2, r.l3) } else { r.tag.clone() };

        let mut tx = self.store().writer().begin().await?;
        let outcome = match action {
            Action::None => "recorded".to_string(),
            Action::Respool => self.respool_callerid(&mut tx, &r).await?,
            Action::RespoolAlternative => self.next_alternative(&mut tx, &r).await?,
            Action::Blacklist => {
                let row = BlacklistRow {
                    phone: r.callerid.clone(),
                    campaign: r.campaign.clone(),
                    username: Some(r.agent.clone()),
                    company: None,
                    job_title: None,
                    name: None,
                    updated_at: self.clock().stamp(),
                };
                records::upsert_blacklist(&mut tx, std::slice::from_ref(&row)).await?;
                format!("{} blacklisted for {}", r.callerid, r.campaign)
            }
            Action::Reschedule => {
                self.reschedule(&mut tx, &r, schedule.unwrap_or_else(|| self.clock().now().into())).await?
            }
        };
        let row = DispositionRow {
            id: 0,
            recorded_at: self.clock().stamp(),
            request: DispositionRequest { tag: txtcode.clone(), ..r },
            action: action.as_str().to_string(),
            outcome,
        };
        records::insert_disposition(&mut tx, &row).await?;
        tx.commit().await?;
        let r = &row.request;
        self.publish("disposition", || serde_json::to_value(&row).unwrap_or_default());
        let woken = if r.camptoreschedule.is_empty() { &r.campaign } else { &r.camptoreschedule };
        self.wake_dialer(woken).await;
        Ok((txtcode, action))
    }

    /// RESPOOL: the number goes back to the campaign's spool with one more retry.
    async fn respool_callerid(&self, conn: &mut SqliteConnection, r: &DispositionRequest) -> Result<String, Failure> {
        let now = self.clock().stamp();
        match spool::spool_by_destination(conn, &r.campaign, &r.callerid).await? {
            Some(mut entry) => {
                entry.retries = entry.retries.saturating_add(1);
                entry.state = EntryState::Pending.into();
                entry.updated_at = now;
                spool::update_spool(conn, &entry).await?;
                Ok(format!("spool entry {} respooled, retries {}", entry.id, entry.retries))
            }
            None => {
                let contact = spool::next_contact(conn).await?;
                let entry = SpoolRow {
                    contact,
                    retries: 1,
                    ..SpoolRow::new(&r.campaign, &r.callerid, DEFAULT_PRIORITY, "disposition", &now)
                };
                let id = spool::insert_spool(conn, &entry).await?;
                Ok(format!("spool entry {id} created, retries 1"))
            }
        }
    }

    /// RESPOOLALTERNATIVE: the first alternative becomes the main number, retries start over.
    async fn next_alternative(&self, conn: &mut SqliteConnection, r: &DispositionRequest) -> Result<String, Failure> {
        let Some(mut entry) = spool::spool_by_destination(conn, &r.campaign, &r.callerid).await? else {
            return Ok(format!("no spool entry of {} in {}: recorded only", r.callerid, r.campaign));
        };
        let mut alternatives = entry.alternatives.split(':').filter(|a| !a.is_empty());
        let Some(next) = alternatives.next().map(str::to_string) else {
            return Ok(format!("spool entry {} has no alternative left: recorded only", entry.id));
        };
        entry.alternatives = alternatives.collect::<Vec<_>>().join(":");
        entry.destination = next;
        entry.retries = 0;
        entry.state = EntryState::Pending.into();
        entry.updated_at = self.clock().stamp();
        spool::update_spool(conn, &entry).await?;
        Ok(format!("spool entry {} now calls {}", entry.id, entry.destination))
    }

    /// RESCHEDULE: a scheduled call at `schedule` in `camptoreschedule` (or the same campaign).
    async fn reschedule(
        &self,
        conn: &mut SqliteConnection,
        r: &DispositionRequest,
        at: VendorDate,
    ) -> Result<String, Failure> {
        let campaign = if r.camptoreschedule.is_empty() { r.campaign.clone() } else { r.camptoreschedule.clone() };
        let entry = spool::spool_by_destination(conn, &r.campaign, &r.callerid).await?;
        let row = ScheduleRow {
            id: 0,
            calldate: at.to_string(),
            campaign,
            destination: r.callerid.clone(),
            alternatives: entry.as_ref().map(|e| e.alternatives.clone()).unwrap_or_default(),
            agentphone: entry.as_ref().map(|e| e.agentphone.clone()).unwrap_or_default(),
            data: entry.as_ref().map(|e| e.data.clone()).unwrap_or_default(),
            origin: "disposition".into(),
            state: EntryState::Pending.into(),
            created_at: self.clock().stamp(),
            last_result: None,
        };
        let id = schedules::insert_schedule(conn, &row).await?;
        Ok(format!("schedule {id} at {at} in {}", row.campaign))
    }
}
