//! MP3 through LAME: mono, constant bit rate, with LAME's "Info" frame first so players know the
//! exact duration and can seek (an HTML5 `<audio>` element reads it).

use mp3lame_encoder::{Bitrate, Builder, FlushGap, MonoPcm, Quality};

use super::RATE;

/// Samples handed to LAME at a time (bounds the output buffer).
const CHUNK: usize = 8_192;

/// Encodes 8 kHz mono samples as a constant-rate MP3 (MPEG-2 Layer III at 16 kHz,
/// 40 kbit/s: the lowest rate whose frames hold LAME's Info frame).
pub fn encode(samples: &[i16]) -> Result<Vec<u8>, String> {
    let fail = |what: &str, e: &dyn std::fmt::Debug| format!("LAME could not {what}: {e:?}");
    let mut builder = Builder::new().ok_or("LAME could not allocate an encoder")?;
    builder.set_num_channels(1).map_err(|e| fail("take one channel", &e))?;
    builder.set_sample_rate(RATE * 2).map_err(|e| fail("take 16 kHz", &e))?;
    builder.set_brate(Bitrate::Kbps40).map_err(|e| fail("set the bit rate", &e))?;
    builder.set_quality(Quality::Ok).map_err(|e| fail("set the quality", &e))?;
    builder.set_to_write_vbr_tag(true).map_err(|e| fail("write its Info frame", &e))?;
    let mut encoder = builder.build().map_err(|e| fail("start", &e))?;
    // 40 kbit/s is 5,000 bytes a second: a little room on top of that.
    let mut out = Vec::with_capacity(samples.len() * 5 / 8 + 16 * 1024);
    let mut doubled = Vec::with_capacity(CHUNK * 2);
    let mut last = 0i16;
    for chunk in samples.chunks(CHUNK) {
        // Twice the rate by linear interpolation: cheaper than LAME's resampler, and 16 kHz keeps
        // the file MPEG-2 (8 kHz would be the non-standard MPEG-2.5).
        doubled.clear();
        for &s in chunk {
            doubled.push(((i32::from(last) + i32::from(s)) / 2) as i16);
            doubled.push(s);
            last = s;
        }
        out.reserve(mp3lame_encoder::max_required_buffer_size(doubled.len()));
        encoder.encode_to_vec(MonoPcm(doubled.as_slice()), &mut out).map_err(|e| fail("encode", &e))?;
    }
    out.reserve(7_200);
    encoder.flush_to_vec::<FlushGap>(&mut out).map_err(|e| fail("flush", &e))?;
    // The first frame was a placeholder: LAME knows the frame count and delays only now.
    let mut tag = Vec::with_capacity(encoder.lame_tag_size());
    if encoder.lame_tag_encode_to_vec(&mut tag).is_some() && tag.len() <= out.len() {
        out[..tag.len()].copy_from_slice(&tag);
    }
    Ok(out)
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
}
