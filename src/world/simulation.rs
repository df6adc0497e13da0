//! The simulation behind the world: the engine built from the configuration, brought up to the
//! clock before every use (the dialer fed, the finished calls stored as CDRs), the clock moved by
//! hand, and the control API's scenario actions on it.

use crate::engine::Locked;

use super::World;
use super::error::{Failure, refused};
use crate::clock::{Clock, Millis};
use crate::engine::Engine;
use crate::engine::agents::Agent;
use crate::engine::queues::{Member, Queue};
use crate::entropy::Entropy;
use crate::model::config::Config;
use crate::model::why::Why;
use crate::store::records;

/// The engine of a configured world, at the clock's current time.
pub fn build_engine(config: &Config, clock: &Clock, rng: Entropy, traffic: bool) -> Engine {
    let now = clock.now_millis();
    let agents: Vec<Agent> = config
        .agents
        .iter()
        .map(|a| Agent {
            takes_traffic: a.traffic,
            ..Agent::new(a.username.clone(), a.name.clone(), a.phone.clone(), a.tech.clone(), a.logged_in, now)
        })
        .collect();
    let queues = config
        .campaigns
        .iter()
        .map(|c| {
            let members = c
                .members
                .iter()
                .filter_map(|m| {
                    let agent = config.agents.iter().position(|a| a.username == m.agent)?;
                    Some(Member { agent, penalty: m.penalty, calls_taken: 0, last_call: 0 })
                })
                .collect();
            Queue::new(
                c.name.clone(),
                c.kind,
                c.strategy.clone(),
                c.slevel_threshold,
                c.wrapup,
                c.callerid.clone(),
                c.did.clone(),
                members,
                if traffic { c.calls_per_hour } else { 0.0 },
                c.patience,
            )
        })
        .collect();
    Engine::new(clock.zone(), now, rng, agents, queues, config.calls.clone())
}

impl World {
    /// The engine, with every event up to now run and the calls it finished stored.
    pub async fn engine(&self) -> Result<Locked<'_>, Failure> {
        let mut engine = self.engine.lock().await;
        if self.is_closed() {
            return Err(Failure::Store(sqlx::Error::PoolClosed));
        }
        let now = self.clock().now_millis();
        if engine.is_caught_up(now) {
            // Nothing to run or store (a stopped clock between changes): the cheap path of a
            // read such as queuesummary. The event stream still hears of every change.
            self.publish_engine(&engine, &[]);
        } else {
            // Boxed: the catch-up's future is large, and most reads never need it.
            Box::pin(self.catch_up(&mut engine, now)).await?;
        }
        Ok(engine)
    }

    /// Runs the engine to `to` in slices, answering its dialers' needs and storing each slice's
    /// finished calls as it goes.
    async fn catch_up(&self, engine: &mut Engine, to: Millis) -> Result<(), Failure> {
        const SLICE: Millis = 15 * 60 * 1000;
        loop {
            let slice_end = (engine.now() + SLICE).min(to);
            if let Some(need) = engine.advance(slice_end) {
                self.store_finished(engine).await?;
                let (leads, look_again) = self.leads_for(&need, engine.now()).await?;
                engine.supply(&need.campaign, leads, look_again);
                continue;
            }
            self.store_finished(engine).await?;
            if engine.now() >= to {
                return Ok(());
            }
        }
    }

    /// Stores the calls the engine finished (CDRs) and their leads' outcomes, in one transaction.
    pub(super) async fn store_finished(&self, engine: &mut Engine) -> Result<(), Failure> {
        let finished = engine.take_finished();
        let returned = engine.take_returned();
        self.publish_engine(engine, &finished);
        if finished.is_empty() && returned.is_empty() {
            return Ok(());
        }
        let rows: Vec<_> = {
            let mut numbering = self.numbering.lock().unwrap_or_else(|e| e.into_inner());
            finished.iter().flat_map(|f| f.call.rows(&mut numbering, |t| self.clock().epoch(t))).collect()
        };
        let mut tx = self.store().writer().begin().await?;
        records::insert_cdrs(&mut tx, &rows).await?;
        for f in &finished {
            if let Some((lead, attempt)) = &f.lead {
                self.after_attempt(&mut tx, lead, *attempt, f.ended).await?;
            }
        }
        for (lead, reason) in &returned {
            tracing::debug!(?lead, reason, "a lead went back to the list");
            self.put_back(&mut tx, lead).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Tells a campaign's dialer (and the event stream) that its lists changed.
    pub async fn wake_dialer(&self, campaign: &str) {
        self.engine.lock().await.wake(campaign);
        self.publish("lists", || serde_json::json!({"campaign": campaign, "at": self.clock().stamp()}));
    }

    /// Moves a manual clock to `to`, running every event in between.
    pub async fn move_clock(&self, to: Millis) -> Result<(), Failure> {
        let mut engine = self.engine.lock().await;
        self.clock().move_to(to).map_err(|e| refused(Why::Clock)(e.0))?;
        self.catch_up(&mut engine, to).await?;
        self.publish("clock", || serde_json::json!({"now": self.clock().stamp()}));
        Ok(())
    }

    /// A scenario action on an agent (control API).
    pub async fn agent_action(
        &self,
        username: &str,
        action: crate::engine::actions::AgentAction,
    ) -> Result<(), Failure> {
        let mut engine = self.engine().await?;
        engine.agent_action(username, action)?;
        self.publish_engine(&engine, &[]);
        Ok(())
    }

    /// Sets a campaign's inbound traffic (control API).
    pub async fn set_traffic(&self, campaign: &str, per_hour: f64, patience: Option<f64>) -> Result<(), Failure> {
        Ok(self.engine().await?.set_traffic(campaign, per_hour, patience)?)
    }

    /// Injects an inbound caller (control API); answers the call's guid.
    pub async fn inject_call(&self, campaign: &str, customer: &str) -> Result<String, Failure> {
        let mut engine = self.engine().await?;
        let guid = engine.inject(campaign, customer)?;
        self.publish_engine(&engine, &[]);
        Ok(guid)
    }
}
