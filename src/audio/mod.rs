//! Call audio: speech-like sound synthesised from a seed, and the two codecs recordings use
//! (GSM 06.10 through libgsm, MP3 through LAME). Pure functions over samples and bytes: no I/O.

pub mod cache;
pub mod gsm;
pub mod mp3;
pub mod synth;

/// Samples per second of every recording (telephony's narrow band).
pub const RATE: u32 = 8_000;

/// The longest recording made (two hours): longer calls' recordings stop there, which bounds the
/// size of one file (a 36 MB MP3).
pub const MAX_SECONDS: u32 = 2 * 3600;
