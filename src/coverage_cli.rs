//! `ucontact-mock coverage [URL]`: a running mock's contract coverage, printed as JSON, Markdown or
//! JUnit XML, with an exit status a CI job can gate on (`--fail-under`).

use std::process::ExitCode;

use ucontact_mock::cli::ReportFormat;
use ucontact_mock::control::coverage::Format;
use ucontact_mock::coverage::Report;

/// Asks the mock at `url` for its report, prints it in `format`, and fails under `fail_under`.
pub fn run(
    url: &str,
    format: ReportFormat,
    fail_under: Option<f64>,
    instance: Option<&str>,
    token: Option<&str>,
) -> ExitCode {
    let report = match fetch(url, instance, token) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("ucontact-mock coverage: {e}");
            return ExitCode::from(2);
        }
    };
    let format = match format {
        ReportFormat::Json => Format::Json,
        ReportFormat::Md => Format::Markdown,
        ReportFormat::Junit => Format::Junit,
    };
    println!("{}", format.render(&report).0.trim_end());
    judge(&report, fail_under)
}

/// Exit 1, saying why, when the score is under the threshold.
pub fn judge(report: &Report, fail_under: Option<f64>) -> ExitCode {
    match fail_under {
        Some(threshold) if report.score.percent < threshold => {
            eprintln!(
                "ucontact-mock coverage: {:.1}% of the declared branches were exercised ({} of {}), under --fail-under {threshold}",
                report.score.percent, report.score.covered, report.score.declared
            );
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

fn fetch(url: &str, instance: Option<&str>, token: Option<&str>) -> Result<Report, String> {
    let mut path = String::from("/_mock/coverage");
    if let Some(instance) = instance {
        path.push_str("?instance=");
        path.extend(form_urlencoded::byte_serialize(instance.as_bytes()));
    }
    let base = url.trim_end_matches('/');
    match crate::health::get(base, &path, token.filter(|t| !t.is_empty()))? {
        (200, body) => serde_json::from_slice(&body).map_err(|e| format!("{base}{path}: not a coverage report: {e}")),
        (status, body) => Err(format!("{base}{path}: HTTP {status} {}", String::from_utf8_lossy(&body).trim())),
    }
}
