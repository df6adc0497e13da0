//! Recordings (CONTRACT section 6): every answered call has one file, on the telephony (main) host
//! or the backup host, in the call's dated folder (`yyyyMMdd` of its first leg) or the root, as
//! MP3 or GSM. A pin (fixtures or `/_mock/recordings/<guid>`) places a call's file; the world's
//! seeded spread places the others. The audio is made when first asked for, from the seed and the
//! call, and lasts the customer leg's `billsec`. `Supervisor/convert` makes an MP3 beside a GSM by
//! decoding and re-encoding it.

use axum::body::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::World;
use super::error::{Failure, refuse};
use super::vendor_date::VendorDate;
use crate::audio::cache::Key;
use crate::audio::{gsm, mp3, synth};
use crate::store::recordings::{self as store, CallAudio};

/// Bumped whenever the audio made for a call changes, so ETags change with it.
const AUDIO_VERSION: u64 = 1;

/// Which listener serves a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Host {
    /// The telephony host: the main listener.
    Main,
    /// `RespaldoGrabaciones`: the second listener (`--backup-listen`).
    Backup,
}

/// The call's dated folder or the store's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    Dated,
    Root,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Mp3,
    Gsm,
}

impl Host {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Backup => "backup",
        }
    }
}

impl Folder {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dated => "dated",
            Self::Root => "root",
        }
    }
}

impl Format {
    /// The file extension, which is also the name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Gsm => "gsm",
        }
    }

    pub fn parse(ext: &str) -> Option<Self> {
        match ext {
            "mp3" => Some(Self::Mp3),
            "gsm" => Some(Self::Gsm),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Mp3 => "audio/mpeg",
            Self::Gsm => "audio/x-gsm",
        }
    }
}

/// Where one call's file lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub host: Host,
    pub folder: Folder,
    pub format: Format,
}

/// The weights the seeded spread gives each side of each choice (all 1: the eight places evenly).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spread {
    pub main: u32,
    pub backup: u32,
    pub dated: u32,
    pub root: u32,
    pub mp3: u32,
    pub gsm: u32,
}

impl Default for Spread {
    fn default() -> Self {
        Self { main: 1, backup: 1, dated: 1, root: 1, mp3: 1, gsm: 1 }
    }
}

impl Spread {
    /// Each choice needs a side with weight.
    pub fn check(&self) -> Result<(), String> {
        for (a, b, what) in [
            (self.main, self.backup, "main/backup"),
            (self.dated, self.root, "dated/root"),
            (self.mp3, self.gsm, "mp3/gsm"),
        ] {
            if a.checked_add(b).is_none_or(|sum| sum == 0) {
                return Err(format!("recordings.spread: {what} weights must not both be 0 (nor overflow)"));
            }
        }
        Ok(())
    }

    /// The place of the file of `guid` when it has no pin: three seeded draws, one per choice.
    fn place(&self, seed: u64, guid: &str) -> Place {
        let pick = |n: u64, first: u32, second: u32| {
            let draw = hash(seed.wrapping_add(n), guid) >> 32;
            (draw * u64::from(first + second)) >> 32 < u64::from(first)
        };
        Place {
            host: if pick(1, self.main, self.backup) { Host::Main } else { Host::Backup },
            folder: if pick(2, self.dated, self.root) { Folder::Dated } else { Folder::Root },
            format: if pick(3, self.mp3, self.gsm) { Format::Mp3 } else { Format::Gsm },
        }
    }
}

/// The recordings part of a world: the spread and the fixture pins (`world.json` `recordings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub spread: Spread,
    #[serde(default)]
    pub pinned: Vec<Pin>,
}

/// One call's file placed by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pub guid: String,
    #[serde(flatten)]
    pub place: Place,
}

/// A guid that can name a file: what a path segment can carry without escaping the store.
pub fn valid_guid(guid: &str) -> bool {
    (1..=128).contains(&guid.len())
        && guid != "."
        && guid != ".."
        && guid.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

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

/// A file ready to serve.
#[derive(Debug, Clone)]
pub struct AudioFile {
    pub bytes: Bytes,
    pub format: Format,
    /// A strong validator: the same for the same bytes.
    pub etag: String,
    /// The instant the file was written (UTC).
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// FNV-1a, then mixed: a stable hash of a text under a seed.
fn hash(seed: u64, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in text.bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

impl World {
    /// The recording of `guid`, when the call exists and someone answered it.
    pub async fn recording(&self, guid: &str) -> Result<Option<Recording>, Failure> {
        // Calls are in the CDRs once the engine has run past their end (every clock move and every
        // tick of a running clock runs it), as they are for getrecords.
        let call = store::call(self.store().reader(), guid).await?;
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
            seconds: u32::try_from(call.seconds).unwrap_or(u32::MAX),
            guid: call.guid,
            place,
            finish: call.finish,
            converted_at: call.converted_at,
        })
    }

    /// The file at `/records/[<folder>/]<guid>.<format>` on `host`, or `None` (404).
    pub async fn recording_file(
        &self,
        host: Host,
        folder: Option<&str>,
        guid: &str,
        format: Format,
    ) -> Result<Option<AudioFile>, Failure> {
        let Some(recording) = self.recording(guid).await? else { return Ok(None) };
        let Some(made) = recording.serves(host, folder, format) else { return Ok(None) };
        let bytes = self.audio(&recording, made).await?;
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
        Ok(Some(AudioFile { bytes, format, etag, modified }))
    }

    /// The bytes of a recording, from the cache or made now (off the async threads).
    async fn audio(&self, recording: &Recording, made: Made) -> Result<Bytes, Failure> {
        let key = Key {
            seed: self.recording_seed ^ AUDIO_VERSION,
            guid: recording.guid.clone(),
            seconds: recording.seconds,
            kind: made.kind(),
        };
        if let Some(bytes) = self.audio_cache.get(&key) {
            return Ok(bytes);
        }
        let gsm_key = Key { kind: Made::Gsm.kind(), ..key.clone() };
        let gsm_file = match made {
            Made::Converted => self.audio_cache.get(&gsm_key),
            _ => None,
        };
        let sound_seed = hash(key.seed, &key.guid);
        let seconds = recording.seconds;
        let bytes = tokio::task::spawn_blocking(move || -> Result<Bytes, String> {
            let speech = || synth::conversation(sound_seed, seconds);
            Ok(Bytes::from(match made {
                Made::Gsm => gsm::encode(&speech()),
                Made::Mp3 => mp3::encode(&speech())?,
                Made::Converted => {
                    let gsm_file = gsm_file.map(|b| b.to_vec()).unwrap_or_else(|| gsm::encode(&speech()));
                    let pcm = gsm::decode(&gsm_file).ok_or("the GSM recording does not decode")?;
                    mp3::encode(&pcm)?
                }
            }))
        })
        .await
        .map_err(|e| format!("the audio task failed: {e}"))
        .and_then(|r| r)
        .map_err(Failure::Internal)?;
        self.audio_cache.put(key, bytes.clone());
        Ok(bytes)
    }

    /// `Supervisor/convert`: makes the MP3 beside the GSM of `guid` in `folder` (empty: the root) of
    /// either store. Converting again answers the same and changes nothing.
    pub async fn convert(&self, guid: &str, folder: &str) -> Result<(), Failure> {
        if guid.is_empty() {
            return refuse("guid is empty");
        }
        let Some(recording) = self.recording(guid).await? else {
            return refuse(format!("no answered call has guid {guid:?}, so there is no recording to convert"));
        };
        let folder = (!folder.is_empty()).then_some(folder);
        let place = recording.place;
        if recording.serves(place.host, folder, Format::Gsm).is_none() {
            let here =
                if folder.is_some() { format!("folder {:?}", folder.unwrap_or_default()) } else { "the root".into() };
            return refuse(format!(
                "no GSM recording of {guid} in {here}: it is {} in {} on the {} host",
                place.format.as_str(),
                match place.folder {
                    Folder::Dated => format!("folder {:?}", recording.dated),
                    Folder::Root => "the root".to_string(),
                },
                place.host.as_str()
            ));
        }
        if recording.converted_at.is_none() {
            self.audio(&recording, Made::Converted).await?;
            store::converted(self.store().writer(), guid, &self.clock().stamp()).await?;
            self.publish("recording", json!({"guid": guid, "at": self.clock().stamp()}));
        }
        Ok(())
    }

    /// Places the file of `guid` (`POST /_mock/recordings/<guid>`).
    pub async fn pin_recording(&self, guid: &str, place: Place) -> Result<(), Failure> {
        if !valid_guid(guid) {
            return refuse(format!("{guid:?} cannot name a recording: letters, digits, '-', '_' and '.' only"));
        }
        let mut tx = self.store().writer().begin().await?;
        store::pin(&mut tx, guid, place.host.as_str(), place.folder.as_str(), place.format.as_str()).await?;
        tx.commit().await?;
        self.publish("recording", json!({"guid": guid, "at": self.clock().stamp()}));
        Ok(())
    }

    /// `GET /_mock/state/recordings`: where each answered call's file lives.
    pub(super) async fn recordings_table(&self) -> Result<Vec<Value>, Failure> {
        let calls = store::calls(self.store().reader()).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_even_spread_reaches_all_eight_places_about_evenly() {
        let spread = Spread::default();
        let mut counts = std::collections::HashMap::new();
        for n in 0..8_000 {
            *counts.entry(format!("{:?}", spread.place(7, &format!("guid-{n}")))).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 8);
        assert!(counts.values().all(|&c| (800..1_200).contains(&c)), "{counts:?}");
    }

    #[test]
    fn weights_of_zero_rule_a_side_out() {
        let spread = Spread { backup: 0, gsm: 0, ..Spread::default() };
        for n in 0..1_000 {
            let place = spread.place(3, &n.to_string());
            assert_eq!((place.host, place.format), (Host::Main, Format::Mp3));
        }
        assert!(Spread { main: 0, backup: 0, ..Spread::default() }.check().is_err());
    }

    #[test]
    fn guids_that_could_leave_the_store_are_not_names() {
        for bad in ["", ".", "..", "a/b", "a\\b", "%2e%2e", "a b", "x\0"] {
            assert!(!valid_guid(bad), "{bad:?}");
        }
        assert!(valid_guid("7e4e7db9-f080-494e-b04b-7c8e47711558"));
    }
}
