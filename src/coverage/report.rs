//! The coverage report: JSON (`GET /_mock/coverage`), Markdown for a CI job's summary, and JUnit
//! XML with one test case per branch. The CLI (`ucontact-mock coverage`) reads the JSON back and
//! renders the same way, so every format shows the same numbers.

use serde::{Deserialize, Serialize};

/// The report of the server, or of one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The instance it narrows to; `null`: every instance.
    pub instance: Option<String>,
    pub score: Score,
    pub routes: Vec<RouteReport>,
    /// `route branch` of every declared branch never exercised.
    pub uncovered: Vec<String>,
    /// Requests of instances past the kept number of instances: in the totals, in no instance's.
    pub untracked_requests: u64,
    /// Whether the server counts at all (`--coverage off`: it does not).
    pub counting: bool,
}

/// Branches exercised over branches declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub covered: u64,
    pub declared: u64,
    /// `covered / declared`, in percent, to one decimal.
    pub percent: f64,
}

impl Score {
    fn of(covered: u64, declared: u64) -> Self {
        let percent = if declared == 0 { 0.0 } else { (covered as f64 * 1000.0 / declared as f64).floor() / 10.0 };
        Self { covered, declared, percent }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteReport {
    /// The route under `/Integra/resources/` (`admin/addblack`).
    pub route: String,
    pub requests: u64,
    pub score: Score,
    pub branches: Vec<BranchCount>,
    /// The values of the route's own dimensions (`action:RESPOOL`, `filter:agent`, `page:later`):
    /// in the score beside the branches.
    pub dimensions: Vec<BranchCount>,
    pub fields: Vec<FieldCount>,
    /// Field names sent that the route does not know, with the closest it does.
    pub unknown_fields: Vec<Unknown>,
    /// Unknown names past the kept number, counted only.
    pub unknown_fields_dropped: u64,
    /// Answers that carried a branch the route did not declare: a bug of the mock, to report.
    pub undeclared: Vec<Named>,
    pub faults: Vec<Named>,
    /// Answers below the API (503, 408, a form naming too many parameters), by status.
    pub other: Vec<Status>,
    /// What clients sent wrong (docs/contract.md, section 13): each lint's count and first request.
    pub lints: Vec<LintCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LintCount {
    pub lint: String,
    pub count: u64,
    /// The first request that had it: its instance and its entry in that instance's journal.
    pub first_instance: String,
    pub first_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchCount {
    pub branch: String,
    pub count: u64,
    pub means: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldCount {
    pub field: String,
    pub required: bool,
    /// Requests that sent it with a value.
    pub value: u64,
    /// Requests that sent it empty.
    pub empty: u64,
    /// Requests that did not send it (of those whose form the route read: not those refused
    /// before it, such as a 401, or answered by a fault).
    pub absent: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unknown {
    pub field: String,
    pub count: u64,
    /// The route's field it is likely a typo of.
    pub closest: Option<String>,
}

impl Unknown {
    /// `field`, with the closest of `known` when it is near enough to be a typo of it.
    pub fn new(field: String, count: u64, known: &[&str]) -> Self {
        let closest = known
            .iter()
            .map(|k| (strsim::damerau_levenshtein(&field.to_lowercase(), &k.to_lowercase()), *k))
            .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
            .min()
            .map(|(_, k)| k.to_string());
        Self { field, count, closest }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub status: u16,
    pub count: u64,
}

impl RouteReport {
    /// Its branches, then its dimensions' values: what its score counts.
    pub fn exercised(&self) -> impl Iterator<Item = &BranchCount> {
        self.branches.iter().chain(&self.dimensions)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn build(
        route: &str,
        requests: u64,
        branches: Vec<BranchCount>,
        dimensions: Vec<BranchCount>,
        fields: Vec<FieldCount>,
        unknown_fields: Vec<Unknown>,
        unknown_fields_dropped: u64,
        undeclared: Vec<Named>,
        faults: Vec<Named>,
        other: Vec<Status>,
        lints: Vec<LintCount>,
    ) -> Self {
        let all = branches.iter().chain(&dimensions);
        let covered = all.clone().filter(|b| b.count > 0).count() as u64;
        let score = Score::of(covered, all.count() as u64);
        Self {
            route: route.to_string(),
            requests,
            score,
            branches,
            dimensions,
            fields,
            unknown_fields,
            unknown_fields_dropped,
            undeclared,
            faults,
            other,
            lints,
        }
    }
}

impl Report {
    pub(super) fn build(
        instance: Option<&str>,
        routes: Vec<RouteReport>,
        untracked_requests: u64,
        counting: bool,
    ) -> Self {
        let covered = routes.iter().map(|r| r.score.covered).sum();
        let declared = routes.iter().map(|r| r.score.declared).sum();
        let uncovered = routes
            .iter()
            .flat_map(|r| r.exercised().filter(|b| b.count == 0).map(move |b| format!("{} {}", r.route, b.branch)))
            .collect();
        Self {
            instance: instance.map(str::to_string),
            score: Score::of(covered, declared),
            routes,
            uncovered,
            untracked_requests,
            counting,
        }
    }

    /// Markdown, for a CI job's summary (`$GITHUB_STEP_SUMMARY`).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let whose = self.instance.as_ref().map_or(String::new(), |i| format!(" of instance `{i}`"));
        out.push_str(&format!(
            "## Contract coverage{whose}: {} of {} branches ({:.1}%)\n\n",
            self.score.covered, self.score.declared, self.score.percent
        ));
        out.push_str("| Route | Requests | Branches | Covered |\n|---|---:|---:|---:|\n");
        for r in &self.routes {
            out.push_str(&format!(
                "| `{}` | {} | {} of {} | {:.1}% |\n",
                r.route, r.requests, r.score.covered, r.score.declared, r.score.percent
            ));
        }
        let section = |out: &mut String, title: &str, lines: Vec<String>| {
            if !lines.is_empty() {
                out.push_str(&format!("\n### {title}\n\n"));
                for line in lines {
                    out.push_str(&format!("- {line}\n"));
                }
            }
        };
        let listed = |items: Vec<String>| items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
        let per_route = |pick: &dyn Fn(&RouteReport) -> Vec<String>| {
            self.routes
                .iter()
                .filter_map(|r| {
                    let items = pick(r);
                    (!items.is_empty()).then(|| format!("`{}`: {}", r.route, listed(items)))
                })
                .collect::<Vec<_>>()
        };
        section(
            &mut out,
            "Never exercised",
            per_route(&|r| r.exercised().filter(|b| b.count == 0).map(|b| b.branch.clone()).collect()),
        );
        section(
            &mut out,
            "Fields never sent",
            per_route(&|r| r.fields.iter().filter(|f| f.value + f.empty == 0).map(|f| f.field.clone()).collect()),
        );
        let unknown: Vec<String> = self
            .routes
            .iter()
            .flat_map(|r| {
                r.unknown_fields.iter().map(move |u| {
                    let hint = u.closest.as_ref().map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
                    format!("`{}`: `{}` sent {} times{hint}", r.route, u.field, u.count)
                })
            })
            .collect();
        section(&mut out, "Fields the route does not know", unknown);
        let lints: Vec<String> = self
            .routes
            .iter()
            .flat_map(|r| {
                r.lints.iter().map(move |l| {
                    format!(
                        "`{}`: `{}` {} times (first: instance `{}`, journal entry {})",
                        r.route, l.lint, l.count, l.first_instance, l.first_seq
                    )
                })
            })
            .collect();
        section(&mut out, "What clients sent wrong (lints)", lints);
        let undeclared = per_route(&|r| r.undeclared.iter().map(|u| u.name.clone()).collect());
        section(&mut out, "Answers outside the declared branches (a bug of the mock: please report it)", undeclared);
        out
    }

    /// JUnit XML: a test suite per route, a test case per branch (skipped when never exercised, a
    /// failure when the mock answered outside the route's declared branches).
    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let undeclared: usize = self.routes.iter().map(|r| r.undeclared.len()).sum();
        out.push_str(&format!(
            "<testsuites name=\"ucontact-mock contract coverage\" tests=\"{}\" skipped=\"{}\" failures=\"{undeclared}\">\n",
            self.score.declared as usize + undeclared,
            self.score.declared - self.score.covered,
        ));
        for r in &self.routes {
            let route = escape(&r.route);
            out.push_str(&format!(
                "  <testsuite name=\"{route}\" tests=\"{}\" skipped=\"{}\" failures=\"{}\">\n",
                r.score.declared as usize + r.undeclared.len(),
                r.score.declared - r.score.covered,
                r.undeclared.len()
            ));
            for b in r.exercised() {
                let name = escape(&b.branch);
                if b.count == 0 {
                    out.push_str(&format!(
                        "    <testcase classname=\"{route}\" name=\"{name}\" time=\"0\"><skipped message=\"never exercised{}\"/></testcase>\n",
                        if b.means.is_empty() { String::new() } else { format!(": {}", escape(&b.means)) }
                    ));
                } else {
                    out.push_str(&format!(
                        "    <testcase classname=\"{route}\" name=\"{name}\" time=\"0\"><system-out>exercised {} times</system-out></testcase>\n",
                        b.count
                    ));
                }
            }
            for u in &r.undeclared {
                out.push_str(&format!(
                    "    <testcase classname=\"{route}\" name=\"{}\" time=\"0\"><failure message=\"the mock answered a branch this route does not declare ({} times)\"/></testcase>\n",
                    escape(&u.name),
                    u.count
                ));
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// Text for an XML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Unknown;

    #[test]
    fn a_typo_names_the_field_it_is_near_and_a_stranger_names_none() {
        let known = ["campaign", "number", "callspool"];
        assert_eq!(Unknown::new("campaing".into(), 1, &known).closest.as_deref(), Some("campaign"));
        assert_eq!(Unknown::new("Number".into(), 1, &known).closest.as_deref(), Some("number"));
        assert_eq!(Unknown::new("zzz".into(), 1, &known).closest, None);
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(super::escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
