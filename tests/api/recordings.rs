//! Recordings (docs/contract.md, section 6): the files at the four places on the two listeners, decoded with
//! real decoders (symphonia for MP3, libgsm for GSM); byte ranges and validators; convert; paths
//! that try to leave the store.

use serde_json::{Value, json};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{CALL, Reply, TestApp};

const EXAMPLE: &str = "7e4e7db9-f080-494e-b04b-7c8e47711558";

/// The eight URLs of a call's recording: (host, folder, format) -> URL.
fn urls(app: &TestApp, guid: &str, dated: &str) -> Vec<((&'static str, &'static str, &'static str), String)> {
    let mut all = Vec::new();
    for (host, base) in [("main", &app.base), ("backup", &app.backup)] {
        for folder in ["dated", "root"] {
            for format in ["mp3", "gsm"] {
                let url = match folder {
                    "dated" => format!("{base}/records/{dated}/{guid}.{format}"),
                    _ => format!("{base}/records/{guid}.{format}"),
                };
                all.push(((host, folder, format), url));
            }
        }
    }
    all
}

async fn get(app: &TestApp, url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    get_with(app.client.get(url)).await
}

async fn get_with(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = request.send().await.expect("the mock answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.expect("a body").to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Decodes an MP3 with symphonia: (mono samples, sample rate, frames the Info frame announces).
fn decode_mp3(bytes: &[u8]) -> (Vec<f32>, u32, Option<u64>) {
    let stream = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let options = FormatOptions { enable_gapless: true, ..Default::default() };
    let probed = symphonia::default::get_probe()
        .format(&hint, stream, &options, &MetadataOptions::default())
        .expect("symphonia recognises an MP3");
    let mut format = probed.format;
    let track = format.default_track().expect("one track").clone();
    let rate = track.codec_params.sample_rate.expect("a sample rate");
    assert_eq!(track.codec_params.channels.map(|c| c.count()), Some(1), "mono");
    let mut decoder =
        symphonia::default::get_codecs().make(&track.codec_params, &DecoderOptions::default()).expect("a decoder");
    let mut samples = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(symphonia::core::errors::Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => panic!("the MP3 does not demux: {e}"),
        };
        let decoded = decoder.decode(&packet).expect("every frame decodes");
        let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        buffer.copy_interleaved_ref(decoded);
        samples.extend_from_slice(buffer.samples());
    }
    (samples, rate, track.codec_params.n_frames)
}

/// Decodes GSM 06.10 frames with libgsm.
fn decode_gsm(bytes: &[u8]) -> Vec<f32> {
    assert_eq!(bytes.len() % 33, 0, "whole 33-byte frames");
    let samples = ucontact_mock::audio::gsm::decode(bytes).expect("libgsm decodes every frame");
    samples.into_iter().map(|s| f32::from(s) / 32768.0).collect()
}

/// Speech, not silence nor a constant tone: some 20 ms windows loud, some quiet.
fn assert_speech_like(samples: &[f32], rate: u32, what: &str) {
    let window = (rate / 50) as usize;
    let rms: Vec<f32> =
        samples.chunks(window).map(|w| (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt()).collect();
    let loud = rms.iter().filter(|&&r| r > 0.03).count();
    let quiet = rms.iter().filter(|&&r| r < 0.005).count();
    assert!(
        loud * 5 > rms.len() && quiet * 50 > rms.len(),
        "{what}: {loud} loud and {quiet} quiet windows of {}",
        rms.len()
    );
}

/// Checks a served file: the format's type, decodes, lasts `seconds`, sounds like speech.
fn assert_playable(format: &str, bytes: &[u8], seconds: f64, what: &str) {
    match format {
        "mp3" => {
            let (samples, rate, frames) = decode_mp3(bytes);
            let length = samples.len() as f64 / f64::from(rate);
            assert!((length - seconds).abs() < 0.05, "{what}: decodes to {length:.3} s, not {seconds} s");
            let announced = frames.expect("the Info frame announces the length") as f64 / f64::from(rate);
            assert!((announced - seconds).abs() < 0.05, "{what}: announces {announced:.3} s, not {seconds} s");
            assert_speech_like(&samples, rate, what);
        }
        _ => {
            let samples = decode_gsm(bytes);
            assert_eq!(samples.len() as f64 / 8_000.0, seconds, "{what}: GSM length");
            assert_speech_like(&samples, 8_000, what);
        }
    }
}

async fn recordings(app: &TestApp) -> Vec<Value> {
    app.state("recordings").await.as_array().unwrap().clone()
}

async fn pin(app: &TestApp, guid: &str, place: Value) -> Reply {
    app.send(app.client.post(format!("{}/_mock/recordings/{guid}", app.base)).body(place.to_string())).await
}

/// The call's recording row in `state/recordings`.
async fn row(app: &TestApp, guid: &str) -> Value {
    recordings(app).await.into_iter().find(|r| r["guid"] == guid).unwrap_or_else(|| panic!("no recording of {guid}"))
}

/// Every answered call of the fixture history has one recording, spread over the eight places.
#[tokio::test]
async fn every_answered_call_has_one_recording_and_the_spread_reaches_all_eight_places() {
    let app = TestApp::spawn().await;
    let rows = recordings(&app).await;
    let cdrs = app.state("cdrs").await;
    // Answered: the customer leg (the `Dial` leg of outbound calls, else the queue leg) has talk time.
    let legs = cdrs.as_array().unwrap();
    let mut answered: Vec<&str> = legs
        .iter()
        .map(|c| c["guid"].as_str().unwrap())
        .filter(|guid| {
            let mine: Vec<&Value> = legs.iter().filter(|c| c["guid"] == *guid).collect();
            let dial = mine.iter().any(|c| c["lastapp"] == "Dial");
            mine.iter().any(|c| {
                (!dial || c["lastapp"] == "Dial") && c["disposition"] == "ANSWERED" && c["billsec"].as_i64() > Some(0)
            })
        })
        .collect();
    answered.sort_unstable();
    answered.dedup();
    let mut listed: Vec<&str> = rows.iter().map(|r| r["guid"].as_str().unwrap()).collect();
    listed.sort_unstable();
    assert_eq!(listed, answered, "one recording per answered call");
    let mut places = std::collections::BTreeMap::new();
    for r in &rows {
        let key = format!("{}/{}/{}", r["host"], if r["folder"] == "" { "root" } else { "dated" }, r["format"]);
        places.entry(key).or_insert_with(Vec::new).push(r.clone());
    }
    assert_eq!(places.len(), 8, "{:?}", places.keys().collect::<Vec<_>>());
    // Two calls of each place: the one URL of its place answers, the seven others are 404.
    for calls in places.values() {
        for r in calls.iter().take(2) {
            let guid = r["guid"].as_str().unwrap();
            let dated = r["path"].as_str().unwrap().split('/').nth(2).unwrap().to_string();
            let dated = if r["folder"] == "" { calldate_folder(&cdrs, guid) } else { dated };
            let mut found = Vec::new();
            for ((host, folder, format), url) in urls(&app, guid, &dated) {
                let (status, headers, body) = get(&app, &url).await;
                match status {
                    200 => {
                        assert_eq!(
                            header(&headers, "content-type"),
                            Some(if format == "mp3" { "audio/mpeg" } else { "audio/x-gsm" })
                        );
                        assert_playable(format, &body, r["seconds"].as_f64().unwrap(), &url);
                        found.push((host, folder, format));
                    }
                    404 => {}
                    other => panic!("{url}: {other}"),
                }
            }
            let expected = (
                r["host"].as_str().unwrap(),
                if r["folder"] == "" { "root" } else { "dated" },
                r["format"].as_str().unwrap(),
            );
            assert_eq!(found, [expected], "{guid}");
        }
    }
}

/// `yyyyMMdd` of the first leg of `guid`.
fn calldate_folder(cdrs: &Value, guid: &str) -> String {
    let first =
        cdrs.as_array().unwrap().iter().filter(|c| c["guid"] == guid).map(|c| c["calldate"].as_str().unwrap()).min();
    first.unwrap()[..10].replace('-', "")
}

/// A call placed now (AgentCall) gets its recording when it ends, lasting the customer leg's billsec.
#[tokio::test]
async fn a_live_call_is_recorded_for_the_customer_legs_billsec() {
    let app = TestApp::spawn().await;
    // AgentCalls until a customer answers (each outcome is drawn: 80% answer).
    let mut answered = None;
    for attempt in 0..10 {
        let guid = app.post("Agents/AgentCall", &CALL).await.body;
        assert_eq!(guid.len(), 36, "a guid: {guid}");
        if attempt == 0 {
            // Pinned while the call is still going: the file will be on the backup host's root, as MP3.
            pin(&app, &guid, json!({"host": "backup", "folder": "root", "format": "mp3"})).await;
            let (status, _, _) = get(&app, &format!("{}/records/{guid}.mp3", app.backup)).await;
            assert_eq!(status, 404, "no recording while the call is going");
        } else {
            pin(&app, &guid, json!({"host": "backup", "folder": "root", "format": "mp3"})).await;
        }
        app.advance(2 * 3600).await;
        let cdrs = app.state("cdrs").await;
        let customer =
            cdrs.as_array().unwrap().iter().find(|c| c["guid"] == guid.as_str() && c["lastapp"] == "Dial").cloned();
        let customer = customer.expect("a customer leg");
        let billsec = customer["billsec"].as_i64().unwrap();
        if customer["disposition"] == "ANSWERED" && billsec > 0 {
            answered = Some((guid, billsec));
            break;
        }
        assert!(
            recordings(&app).await.iter().all(|r| r["guid"] != guid.as_str()),
            "an unanswered call has no recording"
        );
    }
    let (guid, billsec) = answered.expect("one of ten customers answered");
    let r = row(&app, &guid).await;
    assert_eq!(
        (r["host"].as_str(), r["folder"].as_str(), r["format"].as_str()),
        (Some("backup"), Some(""), Some("mp3"))
    );
    assert_eq!(r["seconds"].as_i64(), Some(billsec));
    let (status, headers, body) = get(&app, &format!("{}/records/{guid}.mp3", app.backup)).await;
    assert_eq!((status, header(&headers, "content-type")), (200, Some("audio/mpeg")));
    assert_playable("mp3", &body, billsec as f64, "the AgentCall's recording");
    // Not on the main host, whose store is another.
    assert_eq!(get(&app, &format!("{}/records/{guid}.mp3", app.base)).await.0, 404);
}

/// Each of the four places, in each format, pinned by the control API.
#[tokio::test]
async fn a_pinned_recording_is_served_only_at_its_place() {
    let app = TestApp::spawn().await;
    for (host, folder, format) in [
        ("main", "dated", "mp3"),
        ("main", "root", "gsm"),
        ("backup", "dated", "gsm"),
        ("backup", "root", "mp3"),
        ("main", "dated", "gsm"),
        ("backup", "root", "gsm"),
    ] {
        let reply = pin(&app, EXAMPLE, json!({"host": host, "folder": folder, "format": format})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let r = row(&app, EXAMPLE).await;
        let path = if folder == "dated" {
            format!("/records/20160118/{EXAMPLE}.{format}")
        } else {
            format!("/records/{EXAMPLE}.{format}")
        };
        assert_eq!(r["path"].as_str(), Some(path.as_str()));
        for ((h, f, x), url) in urls(&app, EXAMPLE, "20160118") {
            let status = get(&app, &url).await.0;
            let expected = if (h, f, x) == (host, folder, format) { 200 } else { 404 };
            assert_eq!(status, expected, "pinned {host}/{folder}/{format}, asked {url}");
        }
    }
    // A wrong date folder is not the call's folder.
    pin(&app, EXAMPLE, json!({"host": "main", "folder": "dated", "format": "mp3"})).await;
    assert_eq!(get(&app, &format!("{}/records/20160119/{EXAMPLE}.mp3", app.base)).await.0, 404);
    // Bad pins are clear JSON errors and change nothing.
    let before = app.state("recordings").await;
    for body in [
        json!({"host": "elsewhere", "folder": "root", "format": "mp3"}).to_string(),
        json!({"host": "main", "folder": "root"}).to_string(),
        json!({"host": "main", "folder": "root", "format": "wav"}).to_string(),
        "not json".to_string(),
    ] {
        let reply = app.send(app.client.post(format!("{}/_mock/recordings/{EXAMPLE}", app.base)).body(body)).await;
        assert_eq!((reply.status, reply.content_type()), (400, Some("application/json")), "{}", reply.body);
        assert!(reply.json()["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let reply = pin(&app, "..%2Fescape", json!({"host": "main", "folder": "root", "format": "mp3"})).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(app.state("recordings").await, before);
}

#[tokio::test]
async fn byte_ranges_validators_and_head() {
    let app = TestApp::spawn().await;
    pin(&app, EXAMPLE, json!({"host": "main", "folder": "dated", "format": "mp3"})).await;
    let url = format!("{}/records/20160118/{EXAMPLE}.mp3", app.base);
    let (status, headers, whole) = get(&app, &url).await;
    assert_eq!(status, 200);
    let len = whole.len();
    assert_eq!(header(&headers, "content-length"), Some(len.to_string().as_str()));
    assert_eq!(header(&headers, "accept-ranges"), Some("bytes"));
    let etag = header(&headers, "etag").expect("an ETag").to_string();
    let modified = header(&headers, "last-modified").expect("a Last-Modified").to_string();
    // The call ended 2016-01-18 10:16:40 in Montevideo (UTC-3).
    assert_eq!(modified, "Mon, 18 Jan 2016 13:16:40 GMT");
    assert_eq!(get(&app, &url).await.2, whole, "the same bytes every time");

    let ranged = |range: &str| app.client.get(&url).header("range", range.to_string());
    for (range, start, end) in [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, len - 1),
        ("bytes=-500", len - 500, len - 1),
        ("bytes=10-10", 10, 10),
    ] {
        let (status, headers, body) = get_with(ranged(range)).await;
        assert_eq!(status, 206, "{range}");
        let expected_range = format!("bytes {start}-{end}/{len}");
        assert_eq!(header(&headers, "content-range"), Some(expected_range.as_str()), "{range}");
        assert_eq!(header(&headers, "content-type"), Some("audio/mpeg"));
        assert_eq!(body, whole[start..=end], "{range}");
    }
    // A range past the end: 416 naming the length; a suffix longer than the file: all of it.
    let (status, headers, _) = get_with(ranged(&format!("bytes={}-", len + 10))).await;
    let unsatisfied = format!("bytes */{len}");
    assert_eq!((status, header(&headers, "content-range")), (416, Some(unsatisfied.as_str())));
    let (status, _, body) = get_with(ranged(&format!("bytes=-{}", len + 10))).await;
    assert_eq!((status, body.len()), (206, len));
    // `bytes=-0` asks for nothing: 416 too.
    let (status, headers, _) = get_with(ranged("bytes=-0")).await;
    assert_eq!((status, header(&headers, "content-range")), (416, Some(unsatisfied.as_str())));
    // Several ranges, a reversed one, another unit, a malformed header: the whole file (a server
    // may ignore a Range it does not serve), and so for a Range whose If-Range names another version.
    for range in ["bytes=0-9,20-29", "bytes=50-10", "lines=0-3", "bytes=a-b"] {
        let (status, headers, body) = get_with(ranged(range)).await;
        assert_eq!((status, header(&headers, "content-range"), body.len()), (200, None, len), "{range}");
    }
    let stale = ranged("bytes=0-9").header("if-range", "\"another\"");
    assert_eq!(get_with(stale).await.2.len(), len);
    let current = ranged("bytes=0-9").header("if-range", etag.clone());
    assert_eq!(get_with(current).await.0, 206);
    // Conditional GETs.
    let (status, headers, body) = get_with(app.client.get(&url).header("if-none-match", etag.clone())).await;
    assert_eq!((status, body.len(), header(&headers, "etag")), (304, 0, Some(etag.as_str())));
    assert_eq!(get_with(app.client.get(&url).header("if-modified-since", modified.clone())).await.0, 304);
    assert_eq!(get_with(app.client.get(&url).header("if-none-match", "\"other\"")).await.0, 200);
    // A current copy beats a Range: 304, no body.
    let cached = ranged("bytes=0-9").header("if-none-match", etag.clone());
    assert_eq!(get_with(cached).await.0, 304);
    // HEAD: the headers of GET, no body; with a Range, the headers of that 206.
    let (status, headers, body) = get_with(app.client.head(&url)).await;
    assert_eq!((status, body.len()), (200, 0));
    assert_eq!(header(&headers, "content-length"), Some(len.to_string().as_str()));
    assert_eq!(header(&headers, "content-type"), Some("audio/mpeg"));
    let (status, headers, body) = get_with(app.client.head(&url).header("range", "bytes=0-99")).await;
    assert_eq!((status, body.len(), header(&headers, "content-length")), (206, 0, Some("100")));
    let expected_range = format!("bytes 0-99/{len}");
    assert_eq!(header(&headers, "content-range"), Some(expected_range.as_str()));
    // No token needed, and browsers may read it, and its range headers, from another origin.
    let (_, headers, _) = get_with(app.client.get(&url).header("origin", "http://crm.example")).await;
    assert_eq!(header(&headers, "access-control-allow-origin"), Some("http://crm.example"));
    let exposed = header(&headers, "access-control-expose-headers").unwrap_or_default().to_ascii_lowercase();
    for name in ["content-range", "accept-ranges", "etag", "content-length", "x-mock-reason"] {
        assert!(exposed.split(',').any(|e| e.trim() == name), "{name} is exposed: {exposed}");
    }
    // Recordings answer GET and HEAD only.
    let reply = app.send(app.client.post(&url)).await;
    assert_eq!(
        (reply.status, reply.body.as_str(), reply.reason()),
        (405, "", Some("recordings answer GET and HEAD only"))
    );
}

#[tokio::test]
async fn convert_makes_a_playable_mp3_beside_the_gsm() {
    let app = TestApp::spawn().await;
    // The page's example call: GSM in the backup host's dated folder.
    let gsm_url = format!("{}/records/20160118/{EXAMPLE}.gsm", app.backup);
    let mp3_url = format!("{}/records/20160118/{EXAMPLE}.mp3", app.backup);
    let (status, _, gsm) = get(&app, &gsm_url).await;
    assert_eq!(status, 200);
    assert_eq!(get(&app, &mp3_url).await.0, 404);

    // Refusals: `0` with a reason, nothing changed.
    let cases = [
        ("no guid", "folder=20160118".to_string()),
        ("unknown guid", "guid=00000000-0000-4000-8000-000000000000&folder=20160118".to_string()),
        ("the root, where it is not", format!("guid={EXAMPLE}&folder=")),
        ("another day", format!("guid={EXAMPLE}&folder=20160119")),
        ("a path for a folder", format!("guid={EXAMPLE}&folder=..%2F20160118")),
    ];
    let cases: Vec<(String, String)> = cases.into_iter().map(|(c, b)| (c.to_string(), b)).collect();
    app.assert_refused("Supervisor/convert", &cases).await;

    app.post("Supervisor/convert", &[("guid", EXAMPLE), ("folder", "20160118")]).await.assert_one();
    let r = row(&app, EXAMPLE).await;
    let mp3_path = format!("/records/20160118/{EXAMPLE}.mp3");
    assert_eq!(r["converted"].as_str(), Some(mp3_path.as_str()));
    let (status, headers, mp3) = get(&app, &mp3_url).await;
    assert_eq!((status, header(&headers, "content-type")), (200, Some("audio/mpeg")));
    assert_playable("mp3", &mp3, 94.0, "the converted MP3");
    // It is the GSM's sound: the decoded MP3 follows the decoded GSM's loudness, window by window.
    let (decoded, rate, _) = decode_mp3(&mp3);
    assert_eq!(rate, 16_000);
    let gsm_pcm = decode_gsm(&gsm);
    let envelope = |s: &[f32], window: usize| -> Vec<f32> {
        s.chunks(window).map(|w| (w.iter().map(|x| x * x).sum::<f32>() / w.len() as f32).sqrt()).collect()
    };
    let (a, b) = (envelope(&gsm_pcm, 800), envelope(&decoded, 1_600));
    let n = a.len().min(b.len());
    let (ma, mb) = (a[..n].iter().sum::<f32>() / n as f32, b[..n].iter().sum::<f32>() / n as f32);
    let cov: f32 = (0..n).map(|i| (a[i] - ma) * (b[i] - mb)).sum();
    let var = |v: &[f32], m: f32| v[..n].iter().map(|x| (x - m).powi(2)).sum::<f32>().sqrt();
    let correlation = cov / (var(&a, ma) * var(&b, mb));
    assert!(correlation > 0.9, "the MP3's loudness follows the GSM's: correlation {correlation}");
    // The GSM stays; the MP3 is in the same store only.
    assert_eq!(get(&app, &gsm_url).await.2, gsm);
    assert_eq!(get(&app, &format!("{}/records/20160118/{EXAMPLE}.mp3", app.base)).await.0, 404);

    // Twice: `1`, and nothing more changes (`pasta`, the page's name, works too).
    let before = app.state("recordings").await;
    app.advance(60).await;
    app.post("Supervisor/convert", &[("guid", EXAMPLE), ("pasta", "20160118")]).await.assert_one();
    assert_eq!(app.state("recordings").await, before);
    assert_eq!(get(&app, &mp3_url).await.2, mp3);

    // An MP3 recording has no GSM to convert.
    pin(&app, EXAMPLE, json!({"host": "main", "folder": "root", "format": "mp3"})).await;
    let reply = app.post("Supervisor/convert", &[("guid", EXAMPLE), ("folder", "")]).await;
    reply.assert_zero();
    // A GSM in the root converts with an empty folder; three integrators converting it at once each
    // get `1`, and it is converted once.
    pin(&app, EXAMPLE, json!({"host": "main", "folder": "root", "format": "gsm"})).await;
    let root_mp3 = format!("{}/records/{EXAMPLE}.mp3", app.base);
    assert_eq!(get(&app, &root_mp3).await.0, 404);
    let converting = (0..3).map(|_| app.post("Supervisor/convert", &[("guid", EXAMPLE), ("folder", "")]));
    futures_util::future::join_all(converting).await.iter().for_each(Reply::assert_one);
    let r = row(&app, EXAMPLE).await;
    let root_path = format!("/records/{EXAMPLE}.mp3");
    assert_eq!(r["converted"].as_str(), Some(root_path.as_str()));
    let (status, _, bytes) = get(&app, &root_mp3).await;
    assert_eq!(status, 200);
    assert_playable("mp3", &bytes, 94.0, "the MP3 converted in the root");
}

/// A conversion answered `1` is in the database: a restarted server still serves the MP3.
#[tokio::test]
async fn a_conversion_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mock.db").to_str().unwrap().to_string();
    let db: &'static str = Box::leak(db.into_boxed_str());
    let mp3 = {
        let app = TestApp::spawn_with(&["--db", db]).await;
        app.post("Supervisor/convert", &[("guid", EXAMPLE), ("folder", "20160118")]).await.assert_one();
        let (status, _, mp3) = get(&app, &format!("{}/records/20160118/{EXAMPLE}.mp3", app.backup)).await;
        assert_eq!(status, 200);
        app.running.task.abort();
        mp3
    };
    let app = TestApp::spawn_with(&["--db", db]).await;
    let (status, _, again) = get(&app, &format!("{}/records/20160118/{EXAMPLE}.mp3", app.backup)).await;
    assert_eq!((status, again == mp3), (200, true), "the same MP3 after a restart");
}

/// Sends a raw request line (no client-side normalisation) and returns the status code.
async fn raw_status(addr: std::net::SocketAddr, target: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{target}: {text}"))
}

#[tokio::test]
async fn paths_never_leave_the_store() {
    let app = TestApp::spawn().await;
    for addr in [app.running.main, app.running.backup] {
        for target in [
            "/records/../Cargo.toml",
            "/records/../../../../etc/passwd",
            "/records/..%2F..%2F..%2Fetc%2Fpasswd",
            "/records/%2e%2e/%2e%2e/etc/passwd.mp3",
            "/records/20160118/..%2F..%2Fmock.db",
            "/records/20160118%2F7e4e7db9-f080-494e-b04b-7c8e47711558.gsm",
            "/records//etc/passwd.mp3",
            "/records/%2Fetc%2Fpasswd.mp3",
            "/records/C:%5CWindows%5Cwin.ini.mp3",
            "/records/..%5C..%5Cmock.db.gsm",
            "/records/7e4e7db9-f080-494e-b04b-7c8e47711558.gsm%00.mp3",
            "/records/%c0%ae%c0%ae/etc/passwd.mp3",
            "/records/20160118/../20160118/7e4e7db9-f080-494e-b04b-7c8e47711558.gsm",
            "/records/.mp3",
            "/records/",
            "/records",
        ] {
            assert_eq!(raw_status(addr, target).await, 404, "{addr}{target}");
        }
    }
    // The only way to the example's GSM is its own path.
    let ok = format!("/records/20160118/{EXAMPLE}.gsm");
    assert_eq!(raw_status(app.running.backup, &ok).await, 200);
    assert_eq!(raw_status(app.running.backup, "http://127.0.0.1/records/20160118/x/../y.gsm").await, 404);
}

#[tokio::test]
async fn the_same_seed_makes_the_same_recordings_and_another_seed_others() {
    let (a, b, c) = (TestApp::spawn().await, TestApp::spawn().await, TestApp::spawn_with(&["--seed", "8"]).await);
    let ra = recordings(&a).await;
    assert_eq!(ra, recordings(&b).await);
    let first = ra.iter().find(|r| r["guid"] != EXAMPLE).unwrap();
    let url = |app: &TestApp, r: &Value| {
        let base = if r["host"] == "main" { &app.base } else { &app.backup };
        format!("{base}{}", r["path"].as_str().unwrap())
    };
    let (ga, gb) = (get(&a, &url(&a, first)).await, get(&b, &url(&b, first)).await);
    assert_eq!((ga.0, ga.2 == gb.2), (200, true));
    assert_eq!(header(&ga.1, "etag"), header(&gb.1, "etag"));
    // Seed 8 invents another history; its example call (pinned by the fixtures) sounds different.
    let example = |app: &TestApp| format!("{}/records/20160118/{EXAMPLE}.gsm", app.backup);
    let (ea, ec) = (get(&a, &example(&a)).await, get(&c, &example(&c)).await);
    assert_eq!((ea.0, ec.0, ea.2.len()), (200, 200, ec.2.len()));
    assert_ne!(ea.2, ec.2);
}
