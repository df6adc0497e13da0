//! The form of `api/DispositionCall`, as the world checks it and the store records it.

/// The parameters of a DispositionCall, absent ones empty.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct DispositionRequest {
    pub campaign: String,
    pub agent: String,
    pub callerid: String,
    pub guid: String,
    pub l1: String,
    pub l2: String,
    pub l3: String,
    pub d1: String,
    pub d2: String,
    pub comment: String,
    pub schedule: String,
    pub camptoreschedule: String,
    pub tag: String,
}
