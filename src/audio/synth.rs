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
    Speech::new(seed, seconds).flatten().collect()
}

/// A conversation made a turn at a time (a pause, then one voice's syllables), so a long recording
/// is encoded as it is made instead of held whole as samples (two hours are 115 MB of them).
pub struct Speech {
    draw: Draw,
    sine: Vec<f64>,
    voices: [f64; 2],
    speaker: usize,
    low_pass: f64,
    /// Samples in all, and made so far.
    total: usize,
    made: usize,
}

impl Speech {
    pub fn new(seed: u64, seconds: u32) -> Self {
        let sine: Vec<f64> = (0..TABLE).map(|i| (i as f64 * std::f64::consts::TAU / TABLE as f64).sin()).collect();
        let mut draw = Draw(ChaCha8Rng::seed_from_u64(seed));
        let voices = [draw.range(95.0, 140.0), draw.range(170.0, 240.0)];
        let speaker = usize::from(draw.chance(0.5));
        Self { draw, sine, voices, speaker, low_pass: 0.0, total: seconds as usize * RATE as usize, made: 0 }
    }

    /// How many samples the whole conversation has.
    pub fn len(&self) -> usize {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

impl Iterator for Speech {
    type Item = Vec<i16>;

    /// The next turn's samples.
    fn next(&mut self) -> Option<Vec<i16>> {
        if self.made >= self.total {
            return None;
        }
        let (total, start) = (self.total, self.made);
        let mut out = Vec::new();
        // A pause between turns, with the line's faint hiss.
        let pause = (self.draw.range(0.25, 1.1) * f64::from(RATE)) as usize;
        for _ in 0..pause.min(total - start) {
            out.push((self.draw.noise() * 40.0) as i16);
        }
        let turn_end = (start + out.len() + (self.draw.range(0.8, 5.0) * f64::from(RATE)) as usize).min(total);
        while start + out.len() < turn_end {
            let room = turn_end - start - out.len();
            let pitch = self.voices[self.speaker];
            syllable(&mut self.draw, &self.sine, pitch, &mut self.low_pass, room, &mut out);
        }
        self.speaker ^= 1;
        self.made += out.len();
        Some(out)
    }
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
        assert!(Speech::new(7, 12).all(|turn| !turn.is_empty() && turn.len() < 7 * RATE as usize));
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
