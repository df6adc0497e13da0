//! `Dialers/uploadbase` and `uploadbasewithtimezone` (CONTRACT section 7): checked at once (`0` when
//! the request itself is wrong), then parsed in the background after the `1`, filling the spool and
//! the upload's job report batch by batch.

use std::sync::Arc;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono_tz::Tz;

use super::World;
use super::base_file;
use super::dispositions::DEFAULT_PRIORITY;
use super::error::{Failure, refuse};
use crate::store::dialer::{self, Rejection, SpoolRow, UploadRow};

/// Records written per transaction: big enough to be fast, small enough not to hold the writer long.
const BATCH: usize = 5_000;

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The parameters of an upload, absent ones empty.
#[derive(Debug, Clone, Default)]
pub struct UploadRequest {
    pub filename: String,
    pub fileb64: String,
    pub campaign: String,
    pub cant: Option<String>,
    pub username: String,
    /// `Some` on `uploadbasewithtimezone` (even when the parameter was missing).
    pub timezone: Option<String>,
}

impl World {
    /// Checks the upload, files it, and starts parsing it; answers the upload's id.
    pub async fn upload_base(self: Arc<Self>, r: UploadRequest) -> Result<i64, Failure> {
        for (name, value) in [("filename", &r.filename), ("fileb64", &r.fileb64), ("campaign", &r.campaign)] {
            if value.is_empty() {
                return refuse(format!("{name} is required"));
            }
        }
        if self.config().campaign(&r.campaign).is_none() {
            return refuse(format!("campaign {:?} does not exist", r.campaign));
        }
        if let Some(zone) = r.timezone.as_ref().filter(|z| z.parse::<Tz>().is_err()) {
            return refuse(format!("timezone {zone:?} is not an IANA time zone"));
        }
        let content = decode(&r.fileb64)?;
        let now = self.clock().stamp();
        let upload = UploadRow {
            id: 0,
            filename: r.filename,
            campaign: r.campaign,
            username: r.username,
            timezone: r.timezone,
            cant: r.cant,
            status: "queued".into(),
            records_read: 0,
            accepted: 0,
            rejected: 0,
            note: None,
            created_at: now,
            finished_at: None,
            rejections: Vec::new(),
        };
        let mut conn = self.store().writer().acquire().await?;
        let id = dialer::insert_upload(&mut conn, &upload).await?;
        drop(conn);
        let world = Arc::clone(&self);
        self.spawn_background(async move {
            let (status, note) = match world.parse_upload(id, &upload, &content).await {
                Ok(note) => ("done", note),
                Err(e) => ("failed", Some(format!("storage failed: {e}"))),
            };
            world.wake_dialer(&upload.campaign).await;
            world.publish("upload", serde_json::json!({"id": id, "status": status, "note": note}));
            if let Err(e) =
                dialer::finish_upload(world.store().writer(), id, status, note.as_deref(), &world.clock().stamp()).await
            {
                tracing::error!(upload = id, error = %e, "could not finish the upload's report");
            }
        });
        Ok(id)
    }

    /// Reads every record into the spool; answers a note for the report (a `cant` that disagrees).
    async fn parse_upload(&self, id: i64, upload: &UploadRow, content: &[u8]) -> Result<Option<String>, sqlx::Error> {
        let mut read = 0i64;
        let mut lines = base_file::lines(content).peekable();
        while lines.peek().is_some() {
            let now = self.clock().stamp();
            let mut tx = self.store().writer().begin().await?;
            let mut contact = dialer::next_contact(&mut tx).await?;
            let (mut batch_read, mut accepted, mut rejections) = (0i64, 0i64, Vec::new());
            let mut entries = Vec::with_capacity(BATCH);
            for (line, text) in lines.by_ref().take(BATCH) {
                batch_read += 1;
                let record =
                    base_file::parse_record(text, &upload.campaign).and_then(|r| match r.agentphone.as_str() {
                        phone if !phone.is_empty() && self.config().agent_by_phone(phone).is_none() => {
                            Err(format!("agent phone {phone:?} is not a known agent phone"))
                        }
                        _ => Ok(r),
                    });
                match record {
                    Ok(record) => {
                        let priority = record.priority.unwrap_or(DEFAULT_PRIORITY);
                        let entry = SpoolRow {
                            dialerbase: Some(upload.filename.clone()),
                            data: record.data,
                            alternatives: record.alternatives,
                            contact,
                            agentphone: record.agentphone,
                            timezone: upload.timezone.clone(),
                            upload_id: Some(id),
                            ..SpoolRow::new(&upload.campaign, &record.destination, priority, "upload", &now)
                        };
                        entries.push(entry);
                        contact = contact.saturating_add(1);
                        accepted += 1;
                    }
                    Err(reason) => rejections.push(Rejection { line, reason }),
                }
            }
            dialer::insert_spool_many(&mut tx, &entries).await?;
            dialer::add_progress(&mut tx, id, batch_read, accepted, &rejections).await?;
            tx.commit().await?;
            read += batch_read;
            self.publish("upload", serde_json::json!({"id": id, "status": "parsing", "read": read}));
        }
        Ok(match upload.cant.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(cant) if cant.parse::<i64>() == Ok(read) => None,
            Some(cant) => Some(format!("cant says {cant} but the file holds {read} records")),
        })
    }
}

/// Decodes `fileb64`, forgiving line breaks and a `+` that arrived as a space (an unencoded form).
fn decode(text: &str) -> Result<Vec<u8>, Failure> {
    let cleaned: String =
        text.chars().filter(|c| !matches!(c, '\r' | '\n' | '\t')).map(|c| if c == ' ' { '+' } else { c }).collect();
    BASE64.decode(cleaned.as_bytes()).map_err(|e| Failure::Refused(format!("fileb64 is not base64: {e}")))
}
