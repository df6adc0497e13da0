//! Benchmark: recordings. Converting a 10-minute GSM recording to MP3 (target: at most 1 s,
//! median), beside the steps it is made of. Run with `cargo bench --bench recordings`.

use std::time::Instant;

use ucontact_mock::audio::{gsm, mp3, synth};

const RUNS: usize = 5;
const SECONDS: u32 = 600;

fn median_s(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let began = Instant::now();
            f();
            began.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn main() {
    let pcm = synth::conversation(7, SECONDS);
    let gsm_file = gsm::encode(&pcm);
    let synth_s = median_s(|| drop(synth::conversation(7, SECONDS)));
    let encode_gsm_s = median_s(|| drop(gsm::encode(&pcm)));
    let decode_gsm_s = median_s(|| drop(gsm::decode(&gsm_file)));
    let encode_mp3_s = median_s(|| drop(mp3::encode(&pcm)));
    let convert_s = median_s(|| drop(mp3::encode(&gsm::decode(&gsm_file).expect("frames")).expect("an mp3")));
    println!("recordings, {SECONDS} s of audio, median of {RUNS} runs");
    println!("| step | seconds | x real time |");
    println!("|---|---:|---:|");
    for (label, s) in [
        ("synthesise speech (8 kHz PCM)", synth_s),
        ("encode GSM 06.10 (libgsm)", encode_gsm_s),
        ("decode GSM 06.10 (libgsm)", decode_gsm_s),
        ("encode MP3 (LAME)", encode_mp3_s),
        ("convert = decode GSM + encode MP3 (target <= 1 s)", convert_s),
    ] {
        println!("| {label} | {s:.3} | {:.0} |", f64::from(SECONDS) / s);
    }
}
