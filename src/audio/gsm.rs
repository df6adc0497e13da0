//! GSM 06.10 full-rate, as Asterisk writes `.gsm` files: headerless 33-byte frames of 160 samples
//! (20 ms at 8 kHz). The codec is libgsm (Jutta Degener and Carsten Bormann's reference
//! implementation), built from source by `gsm-sys`.

use gsm_sys::{Gsm, gsm_create, gsm_decode, gsm_destroy, gsm_encode};

/// Bytes in one frame.
pub const FRAME_BYTES: usize = 33;
/// Samples in one frame.
pub const FRAME_SAMPLES: usize = 160;

/// One libgsm state, destroyed with its owner.
struct Codec(Gsm);

impl Codec {
    fn new() -> Self {
        // SAFETY: gsm_create only allocates; a null answer means out of memory.
        let handle = unsafe { gsm_create() };
        assert!(!handle.is_null(), "libgsm could not allocate its state");
        Self(handle)
    }
}

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: the handle came from gsm_create and is destroyed once.
        unsafe { gsm_destroy(self.0) }
    }
}

/// The length of the GSM file of `samples` samples (its last frame padded).
pub const fn len_of(samples: usize) -> usize {
    samples.div_ceil(FRAME_SAMPLES) * FRAME_BYTES
}

/// Encodes samples given a piece at a time into frames.
pub struct Encoder {
    codec: Codec,
    out: Vec<u8>,
    /// Samples of a frame not yet whole.
    partial: Vec<i16>,
}

impl Encoder {
    /// An encoder for a file of about `samples` samples.
    pub fn new(samples: usize) -> Self {
        Self {
            codec: Codec::new(),
            out: Vec::with_capacity(len_of(samples)),
            partial: Vec::with_capacity(FRAME_SAMPLES),
        }
    }

    pub fn push(&mut self, mut samples: &[i16]) {
        if !self.partial.is_empty() {
            let take = (FRAME_SAMPLES - self.partial.len()).min(samples.len());
            self.partial.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.partial.len() < FRAME_SAMPLES {
                return;
            }
            let block = std::mem::take(&mut self.partial);
            self.frame(&block);
        }
        let whole = samples.len() / FRAME_SAMPLES * FRAME_SAMPLES;
        for block in samples[..whole].chunks_exact(FRAME_SAMPLES) {
            self.frame(block);
        }
        self.partial.extend_from_slice(&samples[whole..]);
    }

    /// The frames; a last partial frame is padded with silence.
    pub fn finish(mut self) -> Vec<u8> {
        if !self.partial.is_empty() {
            let block = std::mem::take(&mut self.partial);
            self.frame(&block);
        }
        self.out
    }

    fn frame(&mut self, samples: &[i16]) {
        let mut block = [0i16; FRAME_SAMPLES];
        let mut frame = [0u8; FRAME_BYTES];
        block[..samples.len()].copy_from_slice(samples);
        // SAFETY: block holds 160 samples and frame 33 bytes, the sizes gsm_encode reads and writes.
        unsafe { gsm_encode(self.codec.0, block.as_mut_ptr(), frame.as_mut_ptr()) };
        self.out.extend_from_slice(&frame);
    }
}

/// Encodes samples into frames; a last partial frame is padded with silence.
pub fn encode(samples: &[i16]) -> Vec<u8> {
    let mut encoder = Encoder::new(samples.len());
    encoder.push(samples);
    encoder.finish()
}

/// Decodes whole frames into samples; `None` when the bytes are not GSM 06.10 frames.
pub fn decode(bytes: &[u8]) -> Option<Vec<i16>> {
    let mut out = Vec::with_capacity(bytes.len() / FRAME_BYTES * FRAME_SAMPLES);
    decode_each(bytes, |samples| out.extend_from_slice(samples))?;
    Some(out)
}

/// Decodes whole frames, handing the samples to `each` a second at a time; `None` when the bytes
/// are not GSM 06.10 frames (some samples may have been handed on by then).
pub fn decode_each(bytes: &[u8], mut each: impl FnMut(&[i16])) -> Option<()> {
    /// Frames decoded before their samples are handed on: a second of sound.
    const FRAMES: usize = 50;
    if !bytes.len().is_multiple_of(FRAME_BYTES) {
        return None;
    }
    let codec = Codec::new();
    let mut samples = vec![0i16; FRAMES * FRAME_SAMPLES];
    let mut frame = [0u8; FRAME_BYTES];
    for frames in bytes.chunks(FRAMES * FRAME_BYTES) {
        let count = frames.len() / FRAME_BYTES;
        for (chunk, block) in frames.chunks_exact(FRAME_BYTES).zip(samples.chunks_exact_mut(FRAME_SAMPLES)) {
            frame.copy_from_slice(chunk);
            // SAFETY: frame holds 33 bytes and block 160 samples, the sizes gsm_decode reads and writes.
            if unsafe { gsm_decode(codec.0, frame.as_mut_ptr(), block.as_mut_ptr()) } != 0 {
                return None;
            }
        }
        each(&samples[..count * FRAME_SAMPLES]);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_through_libgsm() {
        let tone: Vec<i16> =
            (0..8_000).map(|n| ((n as f64 * 440.0 * std::f64::consts::TAU / 8_000.0).sin() * 8_000.0) as i16).collect();
        let bytes = encode(&tone);
        assert_eq!(bytes.len(), 50 * FRAME_BYTES);
        assert!(bytes.chunks(FRAME_BYTES).all(|f| f[0] >> 4 == 0xD), "every frame starts with the GSM magic");
        let back = decode(&bytes).unwrap();
        assert_eq!(back.len(), 8_000);
        let energy = |s: &[i16]| s.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / s.len() as f64;
        let (before, after) = (energy(&tone[800..]), energy(&back[800..]));
        assert!(after > before * 0.5 && after < before * 2.0, "energy {before} became {after}");
        assert_eq!(decode(&bytes[..40]), None);
        assert_eq!(decode(&[0u8; 33]), None, "a frame without the magic is refused");
    }

    #[test]
    fn pieces_encode_as_the_whole_does() {
        let speech = crate::audio::synth::conversation(3, 9);
        let mut encoder = Encoder::new(speech.len());
        for piece in speech.chunks(997) {
            encoder.push(piece);
        }
        let whole = encode(&speech);
        assert_eq!(encoder.finish(), whole);
        assert_eq!(whole.len(), len_of(speech.len()));
        assert_eq!(len_of(161), 2 * FRAME_BYTES);
    }
}
