//! `Dialers/uploadbase` and `uploadbasewithtimezone` (docs/contract.md, section 7): checked at once (`0` when
//! the request itself is wrong), then parsed in the background after the `1`, filling the spool and
//! the upload's job report batch by batch.

use std::sync::Arc;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chrono_tz::Tz;

use super::World;
use super::base_file;
use super::dispositions::DEFAULT_PRIORITY;
use super::error::{Failure, refuse, refused, require};
use crate::model::why::Why;
use crate::store::spool::SpoolRow;
use crate::store::uploads::{Rejection, UploadRow};
use crate::store::{spool, uploads};

/// Records written per transaction: big enough to be fast, small enough not to hold the writer long.
const BATCH: usize = 5_000;

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Rejected lines listed in an upload's report; the others are counted.
pub const LISTED_REJECTIONS: i64 = 1_000;

/// Where an upload's parsing stands (`status` in its job report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStatus {
    Queued,
    Parsing,
    Done,
    Failed,
}

impl UploadStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Parsing => "parsing",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// The note of an upload a restart of the process cut short.
pub const INTERRUPTED: &str = "interrupted by a restart of the mock";

/// What an upload's file held, by kind (counted by the coverage report: docs/contract.md, section 13).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Accepted records by their alternatives: none, plain, typed ([`base_file::Alternatives`]).
    pub alternatives: [u64; 3],
    /// Rejected lines by reason, in [`base_file::REJECTIONS`]' order.
    pub rejected: [u64; base_file::REJECTIONS.len()],
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        let pairs = self.alternatives.iter_mut().zip(&other.alternatives);
        for (mine, theirs) in pairs.chain(self.rejected.iter_mut().zip(&other.rejected)) {
            *mine += theirs;
        }
    }
}

/// Told what the file held once it is parsed, before the upload's report says it is done: the
/// records of the batches stored (a failed upload's stored part).
pub type OnParsed = Box<dyn FnOnce(&Tally) + Send>;

/// The parameters of an upload, absent ones empty.
#[derive(Default)]
pub struct UploadRequest<'a> {
    pub filename: String,
    /// As sent in the form: still percent-encoded (decoded in pieces by [`decode`]).
    pub fileb64: &'a [u8],
    pub campaign: String,
    pub cant: Option<String>,
    /// `username` as sent; absent or empty, the upload is the token's user's.
    pub username: Option<String>,
    /// The user of the token the upload came with.
    pub token_user: Option<String>,
    /// `Some` on `uploadbasewithtimezone` (even when the parameter was missing).
    pub timezone: Option<String>,
    pub on_parsed: Option<OnParsed>,
}

impl World {
    /// Checks the upload, files it, and starts parsing it; answers the upload's id.
    pub async fn upload_base(self: Arc<Self>, r: UploadRequest<'_>) -> Result<i64, Failure> {
        // fileb64 is not text yet: a placeholder stands for it when it was sent.
        let fileb64 = if r.fileb64.is_empty() { "" } else { "sent" };
        require(&[("filename", &r.filename), ("fileb64", fileb64), ("campaign", &r.campaign)])?;
        if self.config().campaign(&r.campaign).is_none() {
            return refuse(Why::UnknownCampaign, format!("campaign {:?} does not exist", r.campaign));
        }
        if let Some(zone) = r.timezone.as_ref().filter(|z| z.parse::<Tz>().is_err()) {
            return refuse(Why::UnknownTimezone, format!("timezone {zone:?} is not an IANA time zone"));
        }
        let content = decode(r.fileb64)?;
        let now = self.clock().stamp();
        let upload = UploadRow {
            id: 0,
            filename: r.filename,
            campaign: r.campaign,
            username: r.username.filter(|u| !u.is_empty()).or(r.token_user).unwrap_or_default(),
            timezone: r.timezone,
            cant: r.cant,
            status: UploadStatus::Queued.as_str().into(),
            records_read: 0,
            accepted: 0,
            rejected: 0,
            note: None,
            created_at: now,
            finished_at: None,
            rejections: Vec::new(),
        };
        let mut conn = self.store().writer().acquire().await?;
        let id = uploads::insert_upload(&mut conn, &upload).await?;
        drop(conn);
        let world = Arc::clone(&self);
        let on_parsed = r.on_parsed;
        self.spawn_background(async move {
            let mut tally = Tally::default();
            let (status, note) = match world.parse_upload(id, &upload, &content, &mut tally).await {
                Ok(note) => (UploadStatus::Done.as_str(), note),
                Err(e) => (UploadStatus::Failed.as_str(), Some(format!("storage failed: {e}"))),
            };
            if let Some(on_parsed) = on_parsed {
                on_parsed(&tally);
            }
            world.wake_dialer(&upload.campaign).await;
            world.publish("upload", || serde_json::json!({"id": id, "status": status, "note": note}));
            if let Err(e) =
                uploads::finish_upload(world.store().writer(), id, status, note.as_deref(), &world.clock().stamp())
                    .await
            {
                tracing::error!(upload = id, error = %e, "could not finish the upload's report");
            }
        });
        Ok(id)
    }

    /// Reads every record into the spool; answers a note for the report (a `cant` that disagrees,
    /// rejections past those listed).
    async fn parse_upload(
        &self,
        id: i64,
        upload: &UploadRow,
        content: &[u8],
        tally: &mut Tally,
    ) -> Result<Option<String>, sqlx::Error> {
        let (mut read, mut rejected) = (0i64, 0i64);
        let mut lines = base_file::lines(content).peekable();
        while lines.peek().is_some() {
            let now = self.clock().stamp();
            let mut tx = self.store().writer().begin().await?;
            let mut contact = spool::next_contact(&mut tx).await?;
            let (mut batch_read, mut accepted, mut batch_rejected, mut listed) = (0i64, 0i64, 0i64, Vec::new());
            let mut entries = Vec::with_capacity(BATCH);
            // Added to the upload's tally once the batch is stored.
            let mut batch = Tally::default();
            for (line, text) in lines.by_ref().take(BATCH) {
                batch_read += 1;
                let record = match base_file::parse_record(text, &upload.campaign) {
                    Ok(r) => match r.agentphone.as_str() {
                        phone if !phone.is_empty() && self.config().agent_by_phone(phone).is_none() => {
                            batch.rejected[base_file::UNKNOWN_AGENT_PHONE] += 1;
                            Err(format!("agent phone {phone:?} is not a known agent phone"))
                        }
                        _ => Ok(r),
                    },
                    Err(why) => {
                        batch.rejected[why.kind()] += 1;
                        // Put in words only when it is listed.
                        Err(if rejected + batch_rejected < LISTED_REJECTIONS { why.to_string() } else { String::new() })
                    }
                };
                match record {
                    Ok(record) => {
                        batch.alternatives[record.alternatives_kind() as usize] += 1;
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
                    Err(reason) => {
                        batch_rejected += 1;
                        if rejected + batch_rejected <= LISTED_REJECTIONS {
                            listed.push(Rejection { line, reason });
                        }
                    }
                }
            }
            spool::insert_spool_many(&mut tx, &entries).await?;
            let counts = [batch_read, accepted, batch_rejected];
            uploads::add_progress(&mut tx, id, UploadStatus::Parsing.as_str(), counts, &listed).await?;
            tx.commit().await?;
            tally.add(&batch);
            read += batch_read;
            rejected += batch_rejected;
            self.publish(
                "upload",
                || serde_json::json!({"id": id, "status": UploadStatus::Parsing.as_str(), "read": read}),
            );
        }
        let cant = match upload.cant.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(cant) if cant.parse::<i64>() == Ok(read) => None,
            Some(cant) => Some(format!("cant says {cant} but the file holds {read} records")),
        };
        let unlisted = (rejected > LISTED_REJECTIONS)
            .then(|| format!("{rejected} records rejected; the first {LISTED_REJECTIONS} are listed"));
        let notes: Vec<String> = cant.into_iter().chain(unlisted).collect();
        Ok((!notes.is_empty()).then(|| notes.join("; ")))
    }
}

/// Decodes `fileb64` as sent in the form (percent-encoded), forgiving line breaks and a `+` that
/// arrived as a space (an unencoded form). The text is decoded a piece at a time straight into the
/// file's bytes, so an upload never holds its text decoded beside the body and the file.
fn decode(sent: &[u8]) -> Result<Vec<u8>, Failure> {
    /// Base64 text decoded at a time (a multiple of 4, so pieces decode as the whole would).
    const PIECE: usize = 64 * 1024;
    let not_base64 = |e: String| refused(Why::NotBase64)(format!("fileb64 is not base64: {e}"));
    let mut out = Vec::with_capacity(sent.len() / 4 * 3 + 3);
    let mut piece = Vec::with_capacity(PIECE);
    // Base64 characters decoded so far, and whether they ended with padding.
    let (mut done, mut padded) = (0usize, false);
    let mut flush = |piece: &mut Vec<u8>, out: &mut Vec<u8>| -> Result<(), Failure> {
        if piece.is_empty() {
            return Ok(());
        }
        if padded {
            return Err(not_base64(format!("padding at offset {} before more text", done - 1)));
        }
        BASE64.decode_vec(piece.as_slice(), out).map_err(|e| {
            not_base64(match e {
                base64::DecodeError::InvalidByte(at, byte) => format!("invalid byte {byte}, offset {}", done + at),
                other => other.to_string(),
            })
        })?;
        padded = piece.last() == Some(&b'=');
        done += piece.len();
        piece.clear();
        Ok(())
    };
    for byte in percent_encoding::percent_decode(sent) {
        match byte {
            b'\r' | b'\n' | b'\t' => continue,
            b' ' => piece.push(b'+'),
            b => piece.push(b),
        }
        if piece.len() == PIECE {
            flush(&mut piece, &mut out)?;
        }
    }
    flush(&mut piece, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fileb64_decodes_in_pieces_as_it_would_whole() {
        use base64::engine::general_purpose::STANDARD;
        let file: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let text = STANDARD.encode(&file);
        // As a browser sends it, as a careless client sends it (spaces for `+`, line breaks).
        let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        let careless = text
            .replace('+', " ")
            .as_bytes()
            .chunks(76)
            .map(|l| String::from_utf8_lossy(l) + "\r\n")
            .collect::<String>();
        assert_eq!(decode(encoded.as_bytes()).unwrap(), file);
        assert_eq!(decode(careless.as_bytes()).unwrap(), file);
        assert_eq!(decode(b"YWJj").unwrap(), b"abc");
        assert_eq!(decode(b"YWI").unwrap(), b"ab", "padding may be left out");
        for bad in [&b"%%%"[..], b"YW==YWJj", b"Y", b"YW!j"] {
            assert!(decode(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let long_then_bad = format!("{}!", "A".repeat(PIECE_TEST));
        let Err(Failure::Refused(crate::model::why::Refusal { text: reason, .. })) = decode(long_then_bad.as_bytes())
        else {
            panic!("refused")
        };
        assert!(reason.ends_with(&format!("offset {PIECE_TEST}")), "{reason}");
    }

    const PIECE_TEST: usize = 3 * 64 * 1024;
}
