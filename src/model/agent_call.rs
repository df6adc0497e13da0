//! The form of `Agents/AgentCall` and `AgentCallwithData` as the engine takes it.

/// The parameters of `Agents/AgentCall` and `AgentCallwithData` (docs/contract.md, section 3).
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    pub callerid: String,
    pub agent: String,
    pub phone: String,
    pub tech: String,
    pub context: String,
    pub outqueue: String,
    pub destination: String,
    pub data: Option<String>,
    pub form: Option<String>,
}
