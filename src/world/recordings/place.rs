//! Where a recording lives: host, folder and format, chosen by a pin or by the world's seeded spread;
//! and which paths name a recording (`/records/[yyyyMMdd/]<guid>.<mp3|gsm>`).

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};

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
    pub(super) fn place(&self, seed: u64, guid: &str) -> Place {
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

/// What a recording path names.
#[derive(Debug, PartialEq, Eq)]
pub struct FilePath {
    pub folder: Option<String>,
    pub guid: String,
    pub format: Format,
}

/// Parses the raw path: `/records/` then an optional 8-digit folder, then `<guid>.<mp3|gsm>`. Each
/// segment is percent-decoded once and must still be a plain name (no `/`, `\`, `..`, NUL).
pub fn parse_path(raw: &str) -> Option<FilePath> {
    let rest = raw.strip_prefix("/records/")?;
    let segments: Vec<String> = rest
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8().ok().map(|d| d.into_owned()))
        .collect::<Option<_>>()?;
    let (folder, file) = match segments.as_slice() {
        [file] => (None, file),
        [folder, file] if folder.len() == 8 && folder.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(folder.clone()), file)
        }
        _ => return None,
    };
    let (guid, ext) = file.rsplit_once('.')?;
    let format = Format::parse(ext)?;
    valid_guid(guid).then(|| FilePath { folder, guid: guid.to_string(), format })
}

/// FNV-1a, then mixed: a stable hash of a text under a seed.
pub(super) fn hash(seed: u64, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for byte in text.bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
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

    #[test]
    fn paths_name_a_file_in_the_store_or_nothing() {
        let guid = "7e4e7db9-f080-494e-b04b-7c8e47711558";
        assert_eq!(
            parse_path(&format!("/records/20160118/{guid}.gsm")),
            Some(FilePath { folder: Some("20160118".into()), guid: guid.into(), format: Format::Gsm })
        );
        assert_eq!(parse_path(&format!("/records/{guid}.mp3")).map(|p| p.folder), Some(None));
        for bad in [
            "/records/../etc/passwd",
            "/records/..%2F..%2Fetc%2Fpasswd.mp3",
            "/records/%2e%2e.mp3",
            "/records/2016011/x.mp3",
            "/records/20160118/a/x.mp3",
            "/records//etc/x.mp3",
            "/records/x.wav",
            "/records/x%00.mp3",
            "/records/%ff.mp3",
            "/records/C:%5Cx.mp3",
            "/records/.mp3",
        ] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }
}
