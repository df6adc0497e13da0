//! MP3 through LAME: mono, constant bit rate, with LAME's "Info" frame first so players know the
//! exact duration and can seek (an HTML5 `<audio>` element reads it).

use mp3lame_encoder::{Bitrate, Builder, FlushGap, MonoPcm, Quality};

use super::RATE;

/// Samples handed to LAME at a time (bounds the output buffer).
const CHUNK: usize = 8_192;

/// The length of the MP3 of `samples` samples at 8 kHz: 180-byte frames (40 kbit/s at 16 kHz has
/// no padding), one of them the Info frame, and LAME's delay and flush (checked against LAME in
/// the tests): the length is known before the file is made.
pub const fn len_of(samples: usize) -> usize {
    180 * (3 + samples.div_ceil(288))
}

/// Encodes 8 kHz mono samples, given a piece at a time, as a constant-rate MP3 (MPEG-2 Layer III
/// at 16 kHz, 40 kbit/s: the lowest rate whose frames hold LAME's Info frame).
pub struct Encoder {
    lame: mp3lame_encoder::Encoder,
    out: Vec<u8>,
    doubled: Vec<i16>,
    last: i16,
}

impl Encoder {
    /// An encoder for a file of about `samples` samples.
    pub fn new(samples: usize) -> Result<Self, String> {
        let mut builder = Builder::new().ok_or("LAME could not allocate an encoder")?;
        builder.set_num_channels(1).map_err(|e| fail("take one channel", &e))?;
        builder.set_sample_rate(RATE * 2).map_err(|e| fail("take 16 kHz", &e))?;
        builder.set_brate(Bitrate::Kbps40).map_err(|e| fail("set the bit rate", &e))?;
        builder.set_quality(Quality::Ok).map_err(|e| fail("set the quality", &e))?;
        builder.set_to_write_vbr_tag(true).map_err(|e| fail("write its Info frame", &e))?;
        let lame = builder.build().map_err(|e| fail("start", &e))?;
        Ok(Self { lame, out: Vec::with_capacity(len_of(samples)), doubled: Vec::with_capacity(CHUNK * 2), last: 0 })
    }

    pub fn push(&mut self, samples: &[i16]) -> Result<(), String> {
        for chunk in samples.chunks(CHUNK) {
            // Twice the rate by linear interpolation: cheaper than LAME's resampler, and 16 kHz keeps
            // the file MPEG-2 (8 kHz would be the non-standard MPEG-2.5).
            self.doubled.clear();
            for &s in chunk {
                self.doubled.push(((i32::from(self.last) + i32::from(s)) / 2) as i16);
                self.doubled.push(s);
                self.last = s;
            }
            self.out.reserve(mp3lame_encoder::max_required_buffer_size(self.doubled.len()));
            self.lame.encode_to_vec(MonoPcm(self.doubled.as_slice()), &mut self.out).map_err(|e| fail("encode", &e))?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, String> {
        self.out.reserve(7_200);
        self.lame.flush_to_vec::<FlushGap>(&mut self.out).map_err(|e| fail("flush", &e))?;
        // The first frame was a placeholder: LAME knows the frame count and delays only now.
        let mut tag = Vec::with_capacity(self.lame.lame_tag_size());
        if self.lame.lame_tag_encode_to_vec(&mut tag).is_some() && tag.len() <= self.out.len() {
            self.out[..tag.len()].copy_from_slice(&tag);
        }
        Ok(self.out)
    }
}

fn fail(what: &str, e: &dyn std::fmt::Debug) -> String {
    format!("LAME could not {what}: {e:?}")
}

/// Encodes 8 kHz mono samples as a constant-rate MP3 (see [`Encoder`]).
pub fn encode(samples: &[i16]) -> Result<Vec<u8>, String> {
    let mut encoder = Encoder::new(samples.len())?;
    encoder.push(samples)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn starts_with_an_info_frame() {
        let silence = vec![0i16; 8_000];
        let bytes = super::encode(&silence).unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xF3], "an MPEG-2 Layer III frame header comes first");
        assert!(bytes.windows(4).take(200).any(|w| w == b"Info"), "the Info frame names itself");
    }

    #[test]
    fn the_length_is_known_before_and_pieces_encode_as_the_whole_does() {
        for samples in [0, 1, 287, 288, 289, 576, 577, 8_000, 12_345, 40_000] {
            assert_eq!(super::encode(&vec![0i16; samples]).unwrap().len(), super::len_of(samples), "{samples}");
        }
        let speech = crate::audio::synth::conversation(5, 20);
        let whole = super::encode(&speech).unwrap();
        let mut encoder = super::Encoder::new(speech.len()).unwrap();
        for turn in crate::audio::synth::Speech::new(5, 20) {
            encoder.push(&turn).unwrap();
        }
        assert_eq!(encoder.finish().unwrap(), whole);
        assert_eq!(whole.len(), super::len_of(speech.len()));
    }
}
