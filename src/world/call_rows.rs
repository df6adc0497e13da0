//! How a finished call becomes CDR rows (docs/contract.md, section 10): one row per leg, `sequence`
//! from 0, `uniqueid` `<epoch>.<n>`, `linkedid` the first leg's, channels `SIP/<ext>-<8 hex>`. The
//! invented history and the engine's calls both go through it.

use chrono::NaiveDateTime;

use crate::model::call::{DIAL_APP, FinishedCall, Origin, Outcome, Party};
use crate::model::cdr::Cdr;
use crate::model::vendor_date::VendorDate;

/// Counters Asterisk keeps: channel numbers and the `n` of `uniqueid`.
#[derive(Debug, Default)]
pub struct Numbering {
    next: u64,
}

impl Numbering {
    pub fn starting_at(next: u64) -> Self {
        Self { next }
    }

    fn take(&mut self) -> u64 {
        let n = self.next;
        self.next += 1;
        n
    }
}

impl FinishedCall {
    /// The CDR rows of this call (ids are given by the database).
    pub fn rows(&self, numbering: &mut Numbering, epoch: impl Fn(NaiveDateTime) -> i64) -> Vec<Cdr> {
        let (Some(first), Some(finish)) = (self.legs.first().map(|l| l.start), self.legs.iter().map(|l| l.end).max())
        else {
            return Vec::new();
        };
        let linkedid = format!("{}.{}", epoch(first), numbering.take());
        let (accountcode, direction, dcontext) = match self.origin {
            Origin::Inbound => ("Inbound", "inbound", "inbound"),
            Origin::Outbound => ("Outbound", "outbound", "agentes"),
            Origin::Dialer => ("Dialer", "outbound", "dialer"),
        };
        let customer_channel = format!("SIP/{}-{:08x}", self.customer, numbering.take());
        self.legs
            .iter()
            .enumerate()
            .map(|(sequence, leg)| {
                let uniqueid =
                    if sequence == 0 { linkedid.clone() } else { format!("{}.{}", epoch(leg.start), numbering.take()) };
                let (src, dst, channel, dstchannel, lastapp, lastdata) = match (&leg.party, self.origin) {
                    (Party::Agent { phone, .. }, Origin::Outbound) => (
                        self.callerid.clone(),
                        phone.clone(),
                        format!("SIP/{phone}-{:08x}", numbering.take()),
                        String::new(),
                        "Queue",
                        queue_data(&self.campaign),
                    ),
                    (Party::Agent { phone, .. }, _) => (
                        self.customer.clone(),
                        if self.origin == Origin::Inbound { self.did.clone() } else { self.customer.clone() },
                        customer_channel.clone(),
                        format!("SIP/{phone}-{:08x}", numbering.take()),
                        "Queue",
                        queue_data(&self.campaign),
                    ),
                    (Party::Queue, _) => (
                        self.customer.clone(),
                        self.did.clone(),
                        customer_channel.clone(),
                        String::new(),
                        "Queue",
                        queue_data(&self.campaign),
                    ),
                    (Party::Customer, _) => (
                        self.callerid.clone(),
                        self.customer.clone(),
                        customer_channel.clone(),
                        format!("SIP/{}-{:08x}", self.customer, numbering.take()),
                        DIAL_APP,
                        format!("SIP/{},60", self.customer),
                    ),
                };
                let peeraccount = match &leg.party {
                    Party::Agent { username, .. } => username.clone(),
                    Party::Customer => self.agent.clone(),
                    Party::Queue => String::new(),
                };
                Cdr {
                    id: 0,
                    calldate: VendorDate::from(leg.start).to_string(),
                    clid: format!("\"{}\" <{}>", self.campaign, src),
                    carrier: if self.origin == Origin::Inbound { self.customer.clone() } else { self.callerid.clone() },
                    src,
                    dst,
                    dcontext: self.context.clone().unwrap_or_else(|| dcontext.to_string()),
                    channel,
                    dstchannel,
                    lastapp: lastapp.to_string(),
                    lastdata,
                    duration: (leg.end - leg.start).num_seconds(),
                    billsec: leg.answered.map(|a| (leg.end - a).num_seconds()).unwrap_or(0),
                    disposition: leg.outcome.as_str().to_string(),
                    amaflags: 3,
                    accountcode: accountcode.to_string(),
                    userfield: None,
                    uniqueid,
                    kind: "record".to_string(),
                    guid: self.guid.clone(),
                    causecode: leg.outcome.cause().to_string(),
                    campaign: self.campaign.clone(),
                    direction: direction.to_string(),
                    linkedid: linkedid.clone(),
                    peeraccount,
                    sequence: sequence as i64,
                    charged_balance: None,
                    real_balance: None,
                    note: self.note.clone(),
                    contact: self.contact.clone(),
                    finishtime: VendorDate::from(finish).to_string(),
                    rating: if leg.outcome == Outcome::Answered { self.rating } else { 0 },
                    dialerbase: self.dialerbase.clone(),
                    parandvalues: self.parandvalues.clone(),
                    alternatives: self.alternatives.clone(),
                    quality: 0,
                }
            })
            .collect()
    }
}

fn queue_data(campaign: &str) -> String {
    format!("{campaign},tkc,,,600,,,functions,,")
}
