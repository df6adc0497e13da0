//! Campaigns as queues: waiting callers, members with penalties, Asterisk's strategies, and the day's
//! statistics that queuesummary and campaignstatus report. Numbers are counted as events happen.

use std::collections::VecDeque;

use chrono::NaiveDate;

use super::agents::Agent;
use crate::entropy::Entropy;
use crate::model::config::CampaignKind;

/// A queue member and its per-queue counters (Asterisk keeps them per member).
#[derive(Debug, Clone)]
pub struct Member {
    pub agent: usize,
    pub penalty: i64,
    pub calls_taken: u64,
    /// Epoch seconds of the end of the member's last call in this queue, 0 when none.
    pub last_call: i64,
}

/// The statistics of one day ("today" is since the instance's local midnight).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayStats {
    pub day: Option<NaiveDate>,
    /// Calls offered: inbound arrivals, dialer calls, AgentCalls counted in the campaign.
    pub offered: u64,
    /// Calls answered and ended.
    pub completed: u64,
    /// Callers who hung up waiting.
    pub abandoned: u64,
    /// Queue calls answered by an agent, and those answered within the threshold.
    pub queue_answered: u64,
    pub within_threshold: u64,
    /// Talk time summed over completed calls.
    pub talk_ms: i64,
    pub talk_count: u64,
    /// Time callers waited in the queue before an agent answered.
    pub hold_ms: i64,
    pub hold_count: u64,
}

/// One campaign's live state.
#[derive(Debug, Clone)]
pub struct Queue {
    pub name: String,
    pub kind: CampaignKind,
    pub strategy: String,
    pub threshold_s: i64,
    pub wrapup_s: i64,
    pub callerid: String,
    pub did: String,
    pub members: Vec<Member>,
    /// Callers waiting, first come first (changed through [`Queue::enqueue`] and the two below).
    pub waiting: VecDeque<u64>,
    /// How many of them are not generated traffic for any agent (they wait for one agent, a
    /// progressive dialer's, or are offered agents that take no traffic too): past the last of
    /// them, a dispatch that found no agent for one generated caller has none for the rest.
    pub particular: usize,
    /// Inbound arrivals per hour (Poisson) and the callers' mean patience in seconds (none: infinite).
    pub arrivals_per_hour: f64,
    pub patience_s: Option<f64>,
    rr_next: usize,
    pub stats: DayStats,
    /// A dialer round is already due.
    pub tick_pending: bool,
    /// Counts changes of the traffic setting (arrivals drawn under an older one are void).
    pub traffic_setting: u64,
}

impl Queue {
    /// A caller joins the end of the line; `particular` unless it is generated traffic for any
    /// agent ([`Call::particular`](super::Call::particular)).
    pub fn enqueue(&mut self, id: u64, particular: bool) {
        self.waiting.push_back(id);
        self.particular += usize::from(particular);
    }

    /// The caller at place `i` leaves the line (offered to an agent).
    pub fn dequeue_at(&mut self, i: usize, particular: bool) {
        if self.waiting.remove(i).is_some() {
            debug_assert!(self.particular >= usize::from(particular), "the line's count of particular callers drifted");
            self.particular -= usize::from(particular).min(self.particular);
        }
    }

    /// Caller `id` leaves the line wherever it is (gave up, or its call ended).
    pub fn forget(&mut self, id: u64, particular: bool) {
        if let Some(i) = self.waiting.iter().position(|&w| w == id) {
            self.dequeue_at(i, particular);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        kind: CampaignKind,
        strategy: String,
        threshold_s: i64,
        wrapup_s: i64,
        callerid: String,
        did: String,
        members: Vec<Member>,
        arrivals_per_hour: f64,
        patience_s: Option<f64>,
    ) -> Self {
        Self {
            name,
            kind,
            strategy,
            threshold_s,
            wrapup_s,
            callerid,
            did,
            members,
            waiting: VecDeque::new(),
            particular: 0,
            arrivals_per_hour,
            patience_s,
            rr_next: 0,
            stats: DayStats::default(),
            tick_pending: false,
            traffic_setting: 0,
        }
    }

    /// The day's statistics, started afresh at midnight.
    pub fn today(&mut self, day: NaiveDate) -> &mut DayStats {
        if self.stats.day != Some(day) {
            self.stats = DayStats { day: Some(day), ..DayStats::default() };
        }
        &mut self.stats
    }

    /// The statistics of `day` (zero when nothing happened that day).
    pub fn stats_of(&self, day: NaiveDate) -> DayStats {
        if self.stats.day == Some(day) { self.stats.clone() } else { DayStats::default() }
    }

    /// Picks the member to offer the next call to, by the campaign's strategy; `None` when no
    /// member is available (for a `generated` call, none that takes traffic). Lower penalties are
    /// tried first (but for `wrandom`, which weighs by them).
    pub fn choose(&mut self, agents: &[Agent], rng: &Entropy, generated: bool) -> Option<usize> {
        let offered = |agent: &Agent| agent.is_available() && (agent.takes_traffic || !generated);
        let available: Vec<usize> =
            (0..self.members.len()).filter(|&i| offered(&agents[self.members[i].agent])).collect();
        if available.is_empty() {
            return None;
        }
        let best_penalty = available.iter().map(|&i| self.members[i].penalty).min().unwrap_or(0);
        let tier: Vec<usize> = if self.strategy == "wrandom" {
            available
        } else {
            available.into_iter().filter(|&i| self.members[i].penalty == best_penalty).collect()
        };
        let chosen = match self.strategy.as_str() {
            "leastrecent" => tier.iter().copied().min_by_key(|&i| (self.members[i].last_call, i)),
            "fewestcalls" => tier.iter().copied().min_by_key(|&i| (self.members[i].calls_taken, i)),
            "linear" => tier.first().copied(),
            "rrmemory" => {
                let start = self.rr_next % self.members.len();
                let chosen =
                    tier.iter().copied().min_by_key(|&i| (i + self.members.len() - start) % self.members.len());
                if let Some(i) = chosen {
                    self.rr_next = i + 1;
                }
                chosen
            }
            "wrandom" => {
                tier.iter().copied().min_by_key(|&i| rng.between(0, (1 + self.members[i].penalty.max(0)) * 1000))
            }
            // ringall rings every available member and the first to answer takes the call; with
            // equal ring times that is a fair draw, as is `random`.
            _ => Some(tier[rng.between(0, tier.len() as i64 - 1) as usize]),
        };
        chosen.map(|i| self.members[i].agent)
    }

    /// Records that `agent` finished a call of this queue at `epoch_s`.
    pub fn member_took_call(&mut self, agent: usize, epoch_s: i64) {
        if let Some(m) = self.members.iter_mut().find(|m| m.agent == agent) {
            m.calls_taken += 1;
            m.last_call = epoch_s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agents(n: usize) -> Vec<Agent> {
        (0..n)
            .map(|i| Agent::new(format!("a{i}"), format!("A{i}"), format!("{}", 1000 + i), "SIP".into(), true, 0))
            .collect()
    }

    fn queue(strategy: &str, penalties: &[i64]) -> Queue {
        let members = penalties
            .iter()
            .enumerate()
            .map(|(agent, &penalty)| Member { agent, penalty, calls_taken: 0, last_call: 0 })
            .collect();
        Queue::new(
            "Q".into(),
            CampaignKind::Inbound,
            strategy.into(),
            20,
            0,
            String::new(),
            String::new(),
            members,
            0.0,
            None,
        )
    }

    fn picks(strategy: &str, penalties: &[i64], rounds: usize) -> Vec<usize> {
        let (agents, rng) = (agents(penalties.len()), Entropy::new(3, "q", 1));
        let mut q = queue(strategy, penalties);
        (0..rounds)
            .map(|round| {
                let a = q.choose(&agents, &rng, false).unwrap();
                q.member_took_call(a, round as i64 + 1);
                a
            })
            .collect()
    }

    #[test]
    fn linear_always_takes_the_first_free_member() {
        assert_eq!(picks("linear", &[0, 0, 0], 4), vec![0, 0, 0, 0]);
    }

    #[test]
    fn rrmemory_goes_round_from_where_it_stopped() {
        assert_eq!(picks("rrmemory", &[0, 0, 0], 5), vec![0, 1, 2, 0, 1]);
    }

    #[test]
    fn leastrecent_and_fewestcalls_spread_the_calls() {
        assert_eq!(picks("leastrecent", &[0, 0, 0], 6), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(picks("fewestcalls", &[0, 0, 0], 6), vec![0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn lower_penalties_are_offered_first() {
        for strategy in ["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear"] {
            assert!(picks(strategy, &[2, 0, 1], 8).iter().all(|&a| a == 1), "{strategy}");
        }
    }

    #[test]
    fn random_strategies_use_every_member_and_wrandom_favours_low_penalties() {
        let random = picks("random", &[0, 0, 0], 300);
        assert!((0..3).all(|a| random.contains(&a)));
        let weighted = picks("wrandom", &[0, 9], 1000);
        let low = weighted.iter().filter(|&&a| a == 0).count();
        assert!(low > 700 && low < 1000, "{low} of 1000 went to the penalty-0 member");
    }

    #[test]
    fn nobody_free_nobody_chosen() {
        let mut agents = agents(2);
        agents[0].paused = true;
        agents[1].logged_in = false;
        assert_eq!(queue("ringall", &[0, 0]).choose(&agents, &Entropy::new(1, "q", 1), false), None);
    }

    #[test]
    fn generated_calls_skip_agents_that_take_no_traffic() {
        let mut agents = agents(3);
        agents[0].takes_traffic = false;
        let rng = Entropy::new(1, "q", 1);
        let mut q = queue("linear", &[0, 1, 1]);
        assert_eq!(q.choose(&agents, &rng, false), Some(0), "a person's call: the first member");
        assert_eq!(q.choose(&agents, &rng, true), Some(1), "a generated one: the first that takes traffic");
        agents[1].paused = true;
        agents[2].logged_in = false;
        assert_eq!(q.choose(&agents, &rng, true), None);
        assert_eq!(q.choose(&agents, &rng, false), Some(0));
    }
}
