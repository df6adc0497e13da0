//! Recordings (docs/contract.md, section 6): every answered call has one file, on the telephony (main) host
//! or the backup host, in the call's dated folder (`yyyyMMdd` of its first leg) or the root, as
//! MP3 or GSM. A pin (fixtures or `/_mock/recordings/<guid>`) places a call's file; the world's
//! seeded spread places the others. The audio is made when first asked for, from the seed and the
//! call, and lasts the customer leg's `billsec`. `Supervisor/convert` makes an MP3 beside a GSM by
//! decoding and re-encoding it.

mod place;

use axum::body::Bytes;
use serde_json::{Value, json};

use place::hash;
pub use place::{FilePath, Folder, Format, Host, Pin, Place, Policy, Spread, parse_path, valid_guid};

use std::net::IpAddr;

use crate::audio::cache::{Audio, Key, Lease, Refused};
use crate::audio::{RATE, gsm, mp3, synth};
use crate::model::call::{DIAL_APP, Outcome};
use crate::model::vendor_date::VendorDate;
use crate::store::recordings::{self as store, CallAudio, CustomerLeg};

/// A call's customer leg: the one that dialled the customer, else the answered one.
const CUSTOMER: CustomerLeg<'static> = CustomerLeg { dial: DIAL_APP, answered: Outcome::Answered.as_str() };
use crate::model::why::Why;
use crate::world::World;
use crate::world::error::{Failure, refuse};

pub use crate::audio::MAX_SECONDS;

/// Bumped whenever the audio made for a call changes (codecs included), so ETags change with it.
const AUDIO_VERSION: u64 = 1;

/// A call's recording: where it lives and what it is made of.
#[derive(Debug, Clone)]
pub struct Recording {
    pub guid: String,
    pub place: Place,
    /// `yyyyMMdd` of the first leg's `calldate`.
    pub dated: String,
    pub seconds: u32,
    /// The end of the call (the file's modification time).
    pub finish: String,
    /// When `Supervisor/convert` made the MP3 beside the GSM, if it did.
    pub converted_at: Option<String>,
}

impl Recording {
    /// The folder segment, empty for the root.
    pub fn folder_name(&self) -> &str {
        match self.place.folder {
            Folder::Dated => &self.dated,
            Folder::Root => "",
        }
    }

    /// The file's path on its host, with extension `format`.
    pub fn path(&self, format: Format) -> String {
        match self.place.folder {
            Folder::Dated => format!("/records/{}/{}.{}", self.dated, self.guid, format.as_str()),
            Folder::Root => format!("/records/{}.{}", self.guid, format.as_str()),
        }
    }

    /// Whether a file of `format` sits at `host`/`folder` (None: the root).
    fn serves(&self, host: Host, folder: Option<&str>, format: Format) -> Option<Made> {
        let folder_matches = match folder {
            None => self.place.folder == Folder::Root,
            Some(f) => self.place.folder == Folder::Dated && f == self.dated,
        };
        if host != self.place.host || !folder_matches {
            return None;
        }
        match (self.place.format, format, &self.converted_at) {
            (Format::Mp3, Format::Mp3, _) => Some(Made::Mp3),
            (Format::Gsm, Format::Gsm, _) => Some(Made::Gsm),
            (Format::Gsm, Format::Mp3, Some(_)) => Some(Made::Converted),
            _ => None,
        }
    }
}

/// How a file's bytes are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    Mp3,
    Gsm,
    /// The GSM, decoded and encoded as MP3.
    Converted,
}

impl Made {
    fn kind(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Gsm => "gsm",
            Self::Converted => "gsm>mp3",
        }
    }
}

/// A file ready to serve: all a HEAD, a validator or a range needs, known without making it.
#[derive(Debug, Clone)]
pub struct AudioFile {
    pub format: Format,
    /// Its length in bytes.
    pub len: usize,
    /// A strong validator: the same for the same bytes.
    pub etag: String,
    /// The instant the file was written (UTC).
    pub modified: chrono::DateTime<chrono::Utc>,
    recording: Recording,
    made: Made,
}

impl Made {
    /// The length of the file of a recording of `seconds`.
    fn len(self, seconds: u32) -> usize {
        let samples = seconds as usize * RATE as usize;
        match self {
            Self::Gsm => gsm::len_of(samples),
            // A GSM file decodes to whole frames: as many samples, since a second is 50 frames.
            Self::Mp3 | Self::Converted => mp3::len_of(samples),
        }
    }
}

fn refused(refused: Refused) -> Failure {
    match refused {
        Refused::Busy(reason) => Failure::Busy(reason),
        Refused::Failed(e) => Failure::Internal(e),
    }
}

impl World {
    /// The recording of `guid`, when the call exists and someone answered it.
    pub async fn recording(&self, guid: &str) -> Result<Option<Recording>, Failure> {
        // Calls are in the CDRs once the engine has run past their end (every clock move and every
        // tick of a running clock runs it), as they are for getrecords.
        let call = store::call(self.store().reader(), CUSTOMER, guid).await?;
        Ok(call.and_then(|c| self.recording_of(c)))
    }

    fn recording_of(&self, call: CallAudio) -> Option<Recording> {
        if call.seconds <= 0 {
            return None;
        }
        let pinned = match (&call.pin_host, &call.pin_folder, &call.pin_format) {
            (Some(h), Some(f), Some(x)) => serde_json::from_value(json!({"host": h, "folder": f, "format": x})).ok(),
            _ => None,
        };
        let place = pinned.unwrap_or_else(|| self.recordings.spread.place(self.recording_seed, &call.guid));
        Some(Recording {
            dated: call.first.get(..10).unwrap_or_default().replace('-', ""),
            seconds: u32::try_from(call.seconds).unwrap_or(u32::MAX).min(MAX_SECONDS),
            guid: call.guid,
            place,
            finish: call.finish,
            converted_at: call.converted_at,
        })
    }

    /// The file at `/records/[<folder>/]<guid>.<format>` on `host`, or `None` (404). Its bytes
    /// are made only when asked for ([`World::recording_bytes`]).
    pub async fn recording_file(
        &self,
        host: Host,
        folder: Option<&str>,
        guid: &str,
        format: Format,
    ) -> Result<Option<AudioFile>, Failure> {
        let Some(recording) = self.recording(guid).await? else { return Ok(None) };
        let Some(made) = recording.serves(host, folder, format) else { return Ok(None) };
        let written = match made {
            Made::Converted => recording.converted_at.as_deref().unwrap_or(&recording.finish),
            _ => &recording.finish,
        };
        let modified = written
            .parse::<VendorDate>()
            .ok()
            .and_then(|d| d.naive().and_local_timezone(self.clock().zone()).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        let etag = format!(
            "\"{:016x}-{:x}\"",
            hash(self.recording_seed ^ AUDIO_VERSION, &format!("{}/{}", recording.guid, made.kind())),
            recording.seconds
        );
        let len = made.len(recording.seconds);
        Ok(Some(AudioFile { format, len, etag, modified, recording, made }))
    }

    /// The bytes of `file` for the client at `reader`, from the cache or made now (off the async
    /// threads), and the client's room for them while they are sent. `Busy` when they would not
    /// fit beside the recordings being read now, or past the client's share of the cache.
    pub async fn recording_bytes(&self, file: &AudioFile, reader: Option<IpAddr>) -> Result<(Audio, Lease), Failure> {
        let id = format!("{:x}/{}/{}", self.recording_seed ^ AUDIO_VERSION, file.recording.guid, file.made.kind());
        let lease = self.audio_cache.lease(reader, &id, file.len).map_err(refused)?;
        Ok((self.audio(&file.recording, file.made).await?, lease))
    }

    /// The bytes of a recording, from the cache or made now: the speech is made a turn at a time
    /// and encoded as it comes, so only the file is ever held whole.
    async fn audio(&self, recording: &Recording, made: Made) -> Result<Audio, Failure> {
        let key = |made: Made| Key {
            seed: self.recording_seed ^ AUDIO_VERSION,
            guid: recording.guid.clone(),
            seconds: recording.seconds,
            kind: made.kind(),
        };
        let sound_seed = hash(self.recording_seed ^ AUDIO_VERSION, &recording.guid);
        let seconds = recording.seconds;
        let samples = seconds as usize * RATE as usize;
        let make_gsm = move || {
            let mut encoder = gsm::Encoder::new(samples);
            synth::Speech::new(sound_seed, seconds).for_each(|turn| encoder.push(&turn));
            Ok(Bytes::from(encoder.finish()))
        };
        let cache = &self.audio_cache;
        let gsm_len = Made::Gsm.len(seconds);
        let audio = match made {
            Made::Gsm => cache.get_or_make(key(made), gsm_len, make_gsm).await,
            Made::Mp3 => {
                let make = move || {
                    let mut encoder = mp3::Encoder::new(samples)?;
                    for turn in synth::Speech::new(sound_seed, seconds) {
                        encoder.push(&turn)?;
                    }
                    encoder.finish().map(Bytes::from)
                };
                cache.get_or_make(key(made), made.len(seconds), make).await
            }
            Made::Converted => match cache.get_or_make(key(Made::Gsm), gsm_len, make_gsm).await {
                // The MP3 is the GSM file decoded and encoded again, as a transcoder would.
                Ok(gsm_file) => {
                    let make = move || {
                        let mut encoder = mp3::Encoder::new(samples)?;
                        let mut failed = Ok(());
                        gsm::decode_each(&gsm_file, |pcm| {
                            if failed.is_ok() {
                                failed = encoder.push(pcm);
                            }
                        })
                        .ok_or("the GSM recording does not decode")?;
                        failed?;
                        encoder.finish().map(Bytes::from)
                    };
                    cache.get_or_make(key(made), made.len(seconds), make).await
                }
                Err(e) => Err(e),
            },
        };
        audio.map_err(refused)
    }

    /// `Supervisor/convert`: makes the MP3 beside the GSM of `guid` in `folder` (empty: the root) of
    /// either store. Converting again answers the same and changes nothing.
    pub async fn convert(&self, guid: &str, folder: Option<&str>, pasta: Option<&str>) -> Result<(), Failure> {
        // `pasta` is the vendor's page's name of `folder`, read when `folder` is absent; empty: the root.
        let folder = folder.or(pasta).unwrap_or_default();
        if guid.is_empty() {
            return refuse(Why::MissingField, "guid is empty");
        }
        let Some(recording) = self.recording(guid).await? else {
            return refuse(
                Why::NoRecording,
                format!("no answered call has guid {guid:?}, so there is no recording to convert"),
            );
        };
        let folder = (!folder.is_empty()).then_some(folder);
        let place = recording.place;
        if recording.serves(place.host, folder, Format::Gsm).is_none() {
            let here =
                if folder.is_some() { format!("folder {:?}", folder.unwrap_or_default()) } else { "the root".into() };
            return refuse(
                Why::RecordingElsewhere,
                format!(
                    "no GSM recording of {guid} in {here}: it is {} in {} on the {} host",
                    place.format.as_str(),
                    match place.folder {
                        Folder::Dated => format!("folder {:?}", recording.dated),
                        Folder::Root => "the root".to_string(),
                    },
                    place.host.as_str()
                ),
            );
        }
        if recording.converted_at.is_none() {
            // Made now so the first GET is quick; when recordings being read fill the cache it is
            // made on that GET instead (the conversion is recorded either way).
            match self.audio(&recording, Made::Converted).await {
                Ok(_) | Err(Failure::Busy(_)) => {}
                Err(e) => return Err(e),
            }
            if store::converted(self.store().writer(), guid, &self.clock().stamp()).await? {
                self.publish(
                    "recording",
                    || json!({"guid": guid, "converted": recording.path(Format::Mp3), "at": self.clock().stamp()}),
                );
            }
        }
        Ok(())
    }

    /// Places the file of `guid` (`POST /_mock/recordings/<guid>`).
    pub async fn pin_recording(&self, guid: &str, place: Place) -> Result<(), Failure> {
        if !valid_guid(guid) {
            return refuse(
                Why::BadGuid,
                format!("{guid:?} cannot name a recording: letters, digits, '-', '_' and '.' only"),
            );
        }
        // A file pinned where it already is keeps its converted MP3; moved, it leaves it behind.
        let moved = self.recording(guid).await?.is_none_or(|r| r.place != place);
        let mut tx = self.store().writer().begin().await?;
        store::pin(&mut tx, guid, place.host.as_str(), place.folder.as_str(), place.format.as_str(), moved).await?;
        tx.commit().await?;
        self.publish("recording", || json!({"guid": guid, "at": self.clock().stamp()}));
        Ok(())
    }

    /// `GET /_mock/state/recordings`: where each answered call's file lives.
    pub(super) async fn recordings_table(&self) -> Result<Vec<Value>, Failure> {
        let calls = store::calls(self.store().reader(), CUSTOMER).await?;
        Ok(calls
            .into_iter()
            .filter_map(|c| self.recording_of(c))
            .map(|r| {
                let converted = r.converted_at.as_ref().map(|_| r.path(Format::Mp3));
                json!({"guid": r.guid, "host": r.place.host, "folder": r.folder_name(), "format": r.place.format,
                       "path": r.path(r.place.format), "seconds": r.seconds, "converted": converted,
                       "converted_at": r.converted_at})
            })
            .collect())
    }
}
