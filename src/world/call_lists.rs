//! The dialer's rules (docs/contract.md, section 7, docs/design.md, "The engine"): which numbers a campaign calls next
//! (due schedules, then dated tasks, then undated tasks, then the spool by priority), which it must
//! skip (blacklisted for the campaign or `*`; outside calling hours in the record's zone; a
//! progressive record whose agent is busy; a demo entry when no free agent takes traffic), and what
//! an attempt's outcome does to its entry.

use chrono::{Duration, Timelike};
use chrono_tz::Tz;
use sqlx::SqliteConnection;

use super::World;
use super::dialers::TaskMode;
use super::error::Failure;
use super::history::DEMO_SOURCE;
use crate::clock::{Millis, local_naive};
use crate::engine::dialing::{Attempt, Lead, LeadSource, Need};
use crate::model::call::Outcome;
use crate::model::config::{Campaign, CampaignKind};
use crate::model::lists::{EVERY_CAMPAIGN, EntryState, NEVER_DIALLED};
use crate::model::vendor_date::{TimeOfDay, VendorDate};
use crate::store::lists::{self, SourceFilter, Table, Waiting};
use crate::store::spool::{self, SpoolRow};

/// Attempts of one number before the dialer moves to its alternatives.
pub const MAX_RETRIES: i64 = 3;
/// How long an unreached number rests before the next attempt.
pub const RETRY_AFTER_MINUTES: i64 = 30;
/// How soon to look again when work exists but may not be called yet (hours, busy agents).
const LOOK_AGAIN_MINUTES: i64 = 15;
/// The outcome a blacklisted entry is marked with (`last_result`).
const BLACKLISTED: &str = "BLACKLISTED";
const DONE: &str = EntryState::Done.as_str();

impl World {
    /// The leads for a dialer's [`Need`], marked as being dialled, and when to look again if none.
    pub(super) async fn leads_for(&self, need: &Need, now: Millis) -> Result<(Vec<Lead>, Option<Millis>), Failure> {
        let Some(campaign) = self.config().campaign(&need.campaign).cloned() else { return Ok((Vec::new(), None)) };
        let stamp = VendorDate::from(local_naive(self.clock().zone(), now)).to_string();
        let want = need.capacity as i64;
        let pool = self.store().writer();
        let waiting = waiting(&campaign.name);
        let mut candidates: Vec<(Lead, Option<String>)> = Vec::new();
        for s in lists::due_schedules(pool, waiting, &stamp, want).await? {
            candidates
                .push((lead(LeadSource::Schedule(s.id), s.destination, s.alternatives, s.data, s.agentphone), None));
        }
        // Dated tasks first, by date; then the undated ones, by priority.
        let mut due_tasks = lists::dated_tasks_due(pool, waiting, &stamp, want).await?;
        due_tasks.extend(lists::undated_tasks(pool, waiting, want - due_tasks.len() as i64).await?);
        for t in due_tasks {
            let manual = t.mode == TaskMode::Manual.as_str();
            let lead = lead(LeadSource::Task(t.id), t.destination, t.alternatives, t.data, t.agentphone);
            candidates.push((Lead { manual, ..lead }, None));
        }
        // The demo lists apart: only the agents that take traffic dial them, and a long demo list
        // ahead must not hide an integrator's entries from the agents that take none.
        let window = want * 4 + 16;
        let mut due = lists::due_spool(pool, waiting, &stamp, window, SourceFilter::Except(DEMO_SOURCE)).await?;
        due.extend(lists::due_spool(pool, waiting, &stamp, window, SourceFilter::Only(DEMO_SOURCE)).await?);
        due.sort_by_key(|s| (s.priority, s.id));
        for s in due {
            let generated = s.source == DEMO_SOURCE;
            let lead = lead(LeadSource::Spool(s.id), s.destination, s.alternatives, s.data, s.agentphone);
            let lead = Lead { contact: Some(s.contact), dialerbase: s.dialerbase, generated, ..lead };
            candidates.push((lead, s.timezone));
        }
        let mut taken: Vec<Lead> = Vec::new();
        let mut later = false;
        let mut tx = pool.begin().await?;
        for (lead, zone) in candidates {
            if taken.len() >= need.capacity {
                break;
            }
            let (table, id) = table_of(lead.source);
            if lists::is_blacklisted(&mut tx, [&campaign.name, EVERY_CAMPAIGN], &lead.destination).await? {
                lists::mark(&mut tx, table, id, EntryState::Skipped.as_str(), Some(BLACKLISTED)).await?;
                continue;
            }
            let zone = zone.and_then(|z| z.parse::<Tz>().ok()).unwrap_or(self.clock().zone());
            let progressive_busy = campaign.kind == CampaignKind::Progressive
                && !lead.agentphone.is_empty()
                && !need.phones.contains(&lead.agentphone);
            let no_agent_for_demo =
                lead.generated && taken.iter().filter(|l| l.generated).count() >= need.generated_capacity;
            if !within_hours(&campaign, zone, now) || progressive_busy || no_agent_for_demo {
                later = true;
                continue;
            }
            lists::mark(&mut tx, table, id, EntryState::Dialing.as_str(), None).await?;
            taken.push(lead);
        }
        tx.commit().await?;
        if !taken.is_empty() {
            return Ok((taken, None));
        }
        let next = lists::next_due(pool, waiting, &stamp).await?.and_then(|d| d.parse::<VendorDate>().ok());
        let next = next.map(|d| self.clock().instant(d.naive()));
        let soon = later.then_some(now + LOOK_AGAIN_MINUTES * 60_000);
        Ok((taken, [next, soon].into_iter().flatten().min()))
    }

    /// Writes an attempt's outcome back to where its lead came from.
    pub(super) async fn after_attempt(
        &self,
        conn: &mut SqliteConnection,
        lead: &Lead,
        attempt: Attempt,
        at: Millis,
    ) -> Result<(), Failure> {
        let result = match attempt {
            Attempt::Talked => "ANSWERED",
            Attempt::Abandoned => "ABANDONED",
            Attempt::NotReached(outcome) => outcome.as_str(),
        };
        match lead.source {
            LeadSource::Schedule(id) => lists::mark(conn, Table::Schedules, id, DONE, Some(result)).await?,
            LeadSource::Task(id) => lists::mark(conn, Table::Tasks, id, DONE, Some(result)).await?,
            LeadSource::Spool(id) => {
                if let Some(mut entry) = spool::spool_by_id(conn, id).await? {
                    self.next_try(&mut entry, attempt, at);
                    entry.last_result = Some(result.to_string());
                    spool::after_attempt(conn, &entry).await?;
                }
            }
        }
        Ok(())
    }

    /// RESPOOL after no answer, busy or abandonment (until the retries run out), RESPOOLALTERNATIVE
    /// after a failed line or spent retries, done after a conversation.
    fn next_try(&self, entry: &mut SpoolRow, attempt: Attempt, at: Millis) {
        let now = self.clock().local(at);
        entry.updated_at = VendorDate::from(now).to_string();
        let retry = matches!(attempt, Attempt::Abandoned | Attempt::NotReached(Outcome::NoAnswer | Outcome::Busy));
        if attempt == Attempt::Talked {
            entry.state = EntryState::Done.into();
            return;
        }
        if retry && entry.retries.saturating_add(1) < MAX_RETRIES {
            entry.retries += 1;
            entry.state = EntryState::Pending.into();
            entry.not_before = Some(VendorDate::from(now + Duration::minutes(RETRY_AFTER_MINUTES)).to_string());
            return;
        }
        let mut alternatives = entry.alternatives.split(':').filter(|a| !a.is_empty());
        match alternatives.next().map(str::to_string) {
            Some(next) => {
                entry.alternatives = alternatives.collect::<Vec<_>>().join(":");
                entry.destination = next;
                entry.retries = 0;
                entry.state = EntryState::Pending.into();
                entry.not_before = None;
            }
            None => entry.state = if retry { EntryState::Exhausted } else { EntryState::Failed }.into(),
        }
    }
}

impl World {
    /// A lead the engine could not dial goes back to the list as it was.
    pub(super) async fn put_back(&self, conn: &mut SqliteConnection, lead: &Lead) -> Result<(), Failure> {
        let (table, id) = table_of(lead.source);
        lists::mark(conn, table, id, EntryState::Pending.as_str(), None).await?;
        Ok(())
    }
}

/// The entries of `campaign` waiting for the dialer: pending, and of the spool those not marked never
/// to be dialled.
pub(super) fn waiting(campaign: &str) -> Waiting<'_> {
    Waiting { campaign, state: EntryState::Pending.as_str(), never: NEVER_DIALLED }
}

/// A lead of `source` with what every list keeps; what only the spool or tasks keep left empty.
fn lead(source: LeadSource, destination: String, alternatives: String, data: String, agentphone: String) -> Lead {
    Lead {
        source,
        destination,
        alternatives,
        data,
        agentphone,
        contact: None,
        dialerbase: None,
        manual: false,
        generated: false,
    }
}

fn table_of(source: LeadSource) -> (Table, i64) {
    match source {
        LeadSource::Spool(id) => (Table::Spool, id),
        LeadSource::Schedule(id) => (Table::Schedules, id),
        LeadSource::Task(id) => (Table::Tasks, id),
    }
}

/// Is it within the campaign's calling hours in `zone` at `now`?
fn within_hours(campaign: &Campaign, zone: Tz, now: Millis) -> bool {
    let Some((from, to)) = campaign.hours() else { return true };
    let local = local_naive(zone, now);
    let time = TimeOfDay(local.time().with_second(0).unwrap_or(local.time()));
    if from <= to { from <= time && time < to } else { time >= from || time < to }
}
