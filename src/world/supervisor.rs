//! `Supervisor/queuesummary` and `Supervisor/campaignstatus` (docs/contract.md, section 8): the
//! engine's numbers, brought up to the clock first. (`Supervisor/convert` is in `recordings`.)

use super::World;
use super::error::Failure;

impl World {
    /// `Supervisor/queuesummary`.
    pub async fn queue_summary(&self) -> Result<String, Failure> {
        Ok(self.engine().await?.queue_summary())
    }

    /// `Supervisor/campaignstatus`.
    pub async fn campaign_status(&self, queue: &str) -> Result<serde_json::Value, Failure> {
        Ok(self.engine().await?.campaign_status(queue))
    }
}
