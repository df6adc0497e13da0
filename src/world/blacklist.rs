//! The blacklist (docs/contract.md, section 5): entries per (phone, campaign), `*` for every campaign.
//! Where the request's JSON is found; a bulk change is all-or-nothing: every element is checked
//! before anything is written.

use serde_json::Value;

use super::World;
use super::error::{Failure, refuse};
use super::json::Object;
use crate::model::form::Params;
use crate::model::why::Why;
use crate::store::records::{self, BlacklistRow};

/// Whether a change takes one object or an array of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    One,
    Bulk,
}

impl World {
    /// `admin/addblack` and `admin/addblackbulk`: adds or updates the entries.
    pub async fn add_to_blacklist(&self, sent: &impl Params, shape: Shape) -> Result<(), Failure> {
        let entries = self.blacklist_entries(&payload(sent)?, shape)?;
        if let [entry] = entries.as_slice() {
            // Concurrent single additions share a statement and its commit (one statement is
            // atomic on its own); each is answered after the commit that holds it.
            let writer = self.store().writer().clone();
            let write = |rows: Vec<BlacklistRow>| async move {
                records::upsert_blacklist(&mut *writer.acquire().await?, &rows).await
            };
            self.blacklist_group.submit(entry.clone(), write).await.map_err(Failure::Internal)?;
        } else {
            let mut tx = self.store().writer().begin().await?;
            records::upsert_blacklist(&mut tx, &entries).await?;
            tx.commit().await?;
        }
        self.publish("blacklist", || serde_json::json!({"added": entries}));
        Ok(())
    }

    /// `admin/deleteblack` and `admin/deleteblackbulk`: removes the pairs (absent ones too).
    pub async fn remove_from_blacklist(&self, sent: &impl Params, shape: Shape) -> Result<(), Failure> {
        let entries = self.blacklist_entries(&payload(sent)?, shape)?;
        let mut tx = self.store().writer().begin().await?;
        for entry in &entries {
            records::delete_blacklist(&mut tx, &entry.phone, &entry.campaign).await?;
        }
        tx.commit().await?;
        let removed: Vec<_> =
            entries.iter().map(|e| serde_json::json!({"phone": e.phone, "campaign": e.campaign})).collect();
        self.publish("blacklist", || serde_json::json!({"removed": removed}));
        Ok(())
    }

    fn blacklist_entries(&self, value: &Value, shape: Shape) -> Result<Vec<BlacklistRow>, Failure> {
        match (shape, value) {
            (Shape::One, Value::Object(_)) => Ok(vec![self.blacklist_entry(value, "blacklist")?]),
            (Shape::One, _) => refuse(Why::JsonShape, "blacklist must be one JSON object"),
            (Shape::Bulk, Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.blacklist_entry(item, &format!("blacklist[{i}]")))
                .collect(),
            (Shape::Bulk, _) => refuse(Why::JsonShape, "blacklist must be a JSON array of objects"),
        }
    }

    fn blacklist_entry(&self, value: &Value, what: &str) -> Result<BlacklistRow, Failure> {
        let o = Object::new(what, value)?;
        o.require(&["phone", "campaign"])?;
        Ok(BlacklistRow {
            phone: o.required("phone")?,
            campaign: o.required("campaign")?,
            username: o.text("username")?,
            company: o.text("company")?,
            job_title: o.text("job_title")?,
            name: o.text("name")?,
            updated_at: self.clock().stamp(),
        })
    }
}

/// The parameter that carries the blacklist JSON.
const FIELD: &str = "blacklist";

/// Where the blacklist JSON is (docs/contract.md, section 5): the `blacklist` field; else the one
/// field whose value is a JSON object or array; else a body that is itself JSON.
fn payload(sent: &impl Params) -> Result<Value, Failure> {
    let structured = |text: &str| serde_json::from_str::<Value>(text).ok().filter(|v| v.is_object() || v.is_array());
    if let Some(text) = sent.param(FIELD) {
        return super::json::parse(FIELD, text);
    }
    let mut candidates = sent.values().filter_map(structured);
    if let (Some(value), None) = (candidates.next(), candidates.next()) {
        return Ok(value);
    }
    match std::str::from_utf8(sent.body()).ok().and_then(structured) {
        Some(value) => Ok(value),
        None => refuse(Why::MissingField, "no blacklist parameter (nor one JSON field, nor a JSON body)"),
    }
}
