//! Speech-like sound for a call: two voices taking turns (the agent's lower, the customer's higher),
//! each turn a run of syllables (a voiced tone with harmonics under a swelling envelope, some opened
//! by a burst of noise), silences between turns with a little line noise. Everything is drawn from
//! the seed, so a recording is the same every time it is made.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use super::RATE;

/// Entries of the sine table (a power of two: phases wrap with a mask).
const TABLE: usize = 1 << 10;

struct Draw(ChaCha8Rng);

impl Draw {
    /// A uniform float in [low, high).
    fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * (high - low)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.range(0.0, 1.0) < p
    }

    /// White noise in [-1, 1).
    fn noise(&mut self) -> f64 {
        self.range(-1.0, 1.0)
    }
}

/// `seconds` of a conversation drawn from `seed`, as 8 kHz samples.
pub fn conversation(seed: u64, seconds: u32) -> Vec<i16> {
    let total = seconds as usize * RATE as usize;
    let sine: Vec<f64> = (0..TABLE).map(|i| (i as f64 * std::f64::consts::TAU / TABLE as f64).sin()).collect();
    let mut draw = Draw(ChaCha8Rng::seed_from_u64(seed));
    let mut out = Vec::with_capacity(total);
    let voices = [draw.range(95.0, 140.0), draw.range(170.0, 240.0)];
    let mut speaker = usize::from(draw.chance(0.5));
    let mut low_pass = 0.0;
    while out.len() < total {
        // A pause between turns, with the line's faint hiss.
        let pause = (draw.range(0.25, 1.1) * f64::from(RATE)) as usize;
        for _ in 0..pause.min(total - out.len()) {
            out.push((draw.noise() * 40.0) as i16);
        }
        let turn_end = out.len() + (draw.range(0.8, 5.0) * f64::from(RATE)) as usize;
        while out.len() < turn_end.min(total) {
            let room = turn_end.min(total) - out.len();
            syllable(&mut draw, &sine, voices[speaker], &mut low_pass, room, &mut out);
        }
        speaker ^= 1;
    }
    out.truncate(total);
    out
}

/// One syllable (at most `room` samples): an optional fricative burst, a voiced vowel, a short gap.
fn syllable(draw: &mut Draw, sine: &[f64], pitch: f64, low_pass: &mut f64, room: usize, out: &mut Vec<i16>) {
    let start = out.len();
    let rate = f64::from(RATE);
    if draw.chance(0.35) {
        let burst = (draw.range(0.03, 0.09) * rate) as usize;
        let loud = draw.range(1_500.0, 3_500.0);
        for n in 0..burst {
            if out.len() - start >= room {
                return;
            }
            // High-passed noise (the difference of a low-passed copy): a hiss like `s` or `f`.
            let white = draw.noise();
            *low_pass += 0.35 * (white - *low_pass);
            let fade = (std::f64::consts::PI * n as f64 / burst as f64).sin();
            out.push(((white - *low_pass) * loud * fade) as i16);
        }
    }
    let length = (draw.range(0.09, 0.28) * rate) as usize;
    let loud = draw.range(4_000.0, 9_000.0);
    let f0 = pitch * draw.range(0.85, 1.2);
    let glide = draw.range(-0.25, 0.2);
    // Vowel colour: the weights of the first five harmonics.
    let weights: [f64; 5] =
        [1.0, draw.range(0.3, 0.9), draw.range(0.2, 0.7), draw.range(0.05, 0.4), draw.range(0.0, 0.2)];
    let norm: f64 = weights.iter().sum();
    let mut phase = 0.0f64;
    for n in 0..length {
        if out.len() - start >= room {
            return;
        }
        let t = n as f64 / length as f64;
        let f = f0 * (1.0 + glide * t);
        phase = (phase + f / rate).fract();
        let mut v = 0.0;
        for (h, w) in weights.iter().enumerate() {
            let at = (phase * (h + 1) as f64).fract();
            v += w * sine[(at * TABLE as f64) as usize & (TABLE - 1)];
        }
        let envelope = (std::f64::consts::PI * t).sin().sqrt();
        out.push((v / norm * loud * envelope + draw.noise() * 30.0) as i16);
    }
    let gap = (draw.range(0.02, 0.09) * rate) as usize;
    for _ in 0..gap {
        if out.len() - start >= room {
            return;
        }
        out.push((draw.noise() * 30.0) as i16);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lasts_exactly_and_is_not_silence() {
        let a = conversation(7, 12);
        assert_eq!(a.len(), 12 * RATE as usize);
        assert_eq!(a, conversation(7, 12), "the same seed makes the same sound");
        assert_ne!(a, conversation(8, 12));
        // Speech comes in bursts: some 20 ms windows are loud, some quiet.
        let rms: Vec<f64> = a
            .chunks(160)
            .map(|w| (w.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / w.len() as f64).sqrt())
            .collect();
        let loud = rms.iter().filter(|&&r| r > 1_000.0).count();
        let quiet = rms.iter().filter(|&&r| r < 100.0).count();
        assert!(loud > rms.len() / 5 && quiet > rms.len() / 20, "loud {loud}, quiet {quiet} of {}", rms.len());
    }
}
