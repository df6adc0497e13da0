//! Call audio: speech-like sound synthesised from a seed, and the two codecs recordings use
//! (GSM 06.10 through libgsm, MP3 through LAME). Pure functions over samples and bytes: no I/O.

pub mod cache;
pub mod gsm;
pub mod mp3;
pub mod synth;

/// Samples per second of every recording (telephony's narrow band).
pub const RATE: u32 = 8_000;
