//! Contract coverage: what clients' requests exercised of each route (docs/contract.md, section 13).
//!
//! Every route declares the answers it can give ([`Branch`]) beside its handler
//! (`http::routes::Route::answers`); the answers carry their branch (a response extension set by
//! `http::Answer`), and the Integra layer counts each request here: its branch, the fields of its
//! form (sent with a value, sent empty, never sent; the route's fields are those of the form its
//! OpenAPI description shows), the faults applied to it, and the names it sent that the route does
//! not know. Counts are server-wide and per instance, kept across resets, deletions and evictions
//! of instances; their shape is fixed by the declarations, so memory does not grow with traffic
//! (unknown names are kept up to [`UNKNOWN_KEPT`] per route, instances up to [`INSTANCES_KEPT`]).

mod branch;
mod fields;
pub mod lint;
pub mod report;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub use branch::{Auth, Branch, Facets, GUARDED};
pub use report::Report;

use crate::http::routes::Describe;
use crate::journal::FormRecord;

/// Unknown field names kept per route server-wide; past it they are only counted.
pub const UNKNOWN_KEPT: usize = 32;
/// Unknown field names kept per route of one instance.
pub const UNKNOWN_KEPT_PER_INSTANCE: usize = 4;
/// Instances whose counts are kept apart (`?instance=`); past it, new names count server-wide only.
pub const INSTANCES_KEPT: usize = 1_024;

/// A route as it declared itself.
pub struct Declared {
    /// The route's path, as requests name it.
    pub path: String,
    /// Every answer it can give.
    pub branches: Vec<Branch>,
    /// The values of its own dimensions (`action:RESPOOL`, `filter:agent`).
    pub dimensions: Vec<&'static str>,
    /// What describes it (its form's fields come from there).
    pub describe: Describe,
}

/// What describes a pseudo-route (the recordings, the portal): no form, no OpenAPI path.
pub const NO_FORM: Describe = || (Vec::new(), utoipa::openapi::path::Paths::new(), axum::routing::MethodRouter::new());

/// What one request got.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The branch its answer carried (`None`: an answer below the API, such as 503).
    pub branch: Option<Branch>,
    pub status: u16,
    /// The fault applied to it: `latency`, `drop`, `answer`.
    pub fault: Option<&'static str>,
    pub form: &'a FormRecord,
    /// The dimensions' values the answer exercised.
    pub facets: &'a [&'static str],
}

/// The counts of every route, server-wide and per instance.
#[derive(Default)]
pub struct Coverage {
    /// Whether requests are counted at all (`--coverage`).
    counting: bool,
    /// The lints not reported (`--lint-allow`).
    allowed: Vec<String>,
    table: OnceLock<Table>,
    instances: RwLock<HashMap<String, Arc<Counts>>>,
    /// Requests of instances past [`INSTANCES_KEPT`], counted server-wide only.
    untracked: AtomicU64,
}

impl std::fmt::Debug for Coverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coverage").field("routes", &self.table.get().map_or(0, |t| t.routes.len())).finish()
    }
}

struct Table {
    routes: Vec<Route>,
    index: HashMap<String, usize>,
    total: Counts,
}

/// A declared route.
struct Route {
    path: String,
    branches: Vec<Branch>,
    dimensions: Vec<&'static str>,
    describe: Describe,
    /// Its form's fields and whether each is required, read from its description when first needed.
    fields: OnceLock<Vec<(String, bool)>>,
}

impl Route {
    fn fields(&self) -> &[(String, bool)] {
        self.fields.get_or_init(|| fields::of(self.describe))
    }
}

/// The counts of every declared route, each made when the route is first counted: most instances
/// are sent a few routes, and an idle one keeps a pointer per route.
struct Counts {
    routes: Box<[OnceLock<Box<RouteCounts>>]>,
}

#[derive(Default)]
struct RouteCounts {
    requests: AtomicU64,
    /// Requests whose form the route read (not those refused before it, or answered by a fault):
    /// the fields' counts are of these.
    forms: AtomicU64,
    branches: Box<[AtomicU64]>,
    dimensions: Box<[AtomicU64]>,
    /// Per field: sent with a value, sent empty (never sent is the rest of the requests).
    fields: OnceLock<Box<[[AtomicU64; 2]]>>,
    extra: Mutex<Extra>,
}

/// What does not have a fixed shape: kept in bounded maps.
#[derive(Default, Clone)]
struct Extra {
    unknown: BTreeMap<String, u64>,
    unknown_dropped: u64,
    /// Branches the answer carried that the route did not declare (a bug of the mock).
    undeclared: BTreeMap<String, u64>,
    faults: BTreeMap<&'static str, u64>,
    /// Answers below the API (408, 503, 500, a form naming too many parameters): by status.
    other: BTreeMap<u16, u64>,
    /// Lints: how many, and the first request that had it (its instance and journal entry).
    lints: BTreeMap<&'static str, (u64, String, u64)>,
}

impl Counts {
    fn new(routes: &[Route]) -> Self {
        Self { routes: routes.iter().map(|_| OnceLock::new()).collect() }
    }

    /// The counts of the route at `at` (`route`), made on first use.
    fn route(&self, at: usize, route: &Route) -> &RouteCounts {
        self.routes[at].get_or_init(|| Box::new(RouteCounts::new(route)))
    }
}

impl RouteCounts {
    fn new(route: &Route) -> Self {
        RouteCounts {
            branches: route.branches.iter().map(|_| AtomicU64::new(0)).collect(),
            dimensions: route.dimensions.iter().map(|_| AtomicU64::new(0)).collect(),
            ..Default::default()
        }
    }
}

impl Coverage {
    /// Counts requests when `counting`, and reports every lint but those `allowed`.
    pub fn new(counting: bool, allowed: Vec<String>) -> Self {
        Self { counting, allowed, ..Self::default() }
    }

    /// What the request sent wrong (`lint`), less the lints allowed; nothing when not counting.
    pub fn lint(
        &self,
        path: &str,
        recorded: &crate::journal::Recorded,
        branch: Option<Branch>,
        lenient: bool,
    ) -> Vec<lint::Lint> {
        let Some(route) = self.declared_route(path) else { return Vec::new() };
        let sent = lint::Sent {
            route: route_name(&route.path),
            fields: route.fields(),
            content_type: recorded.header("content-type"),
            authorization: recorded.header("authorization"),
            form: &recorded.form,
            branch,
            lenient,
        };
        let mut found = lint::check(&sent);
        found.retain(|l| !self.allowed.iter().any(|a| a == l.id));
        found
    }

    /// What a request with `method` to `path`, answered 405, did wrong (`wrong-method`), unless
    /// allowed; nothing when not counting or for a path no route declared.
    pub fn lint_method(&self, path: &str, method: &str) -> Vec<lint::Lint> {
        let Some(route) = self.declared_route(path) else { return Vec::new() };
        let mut found = vec![lint::wrong_method(route_name(&route.path), method)];
        found.retain(|l| !self.allowed.iter().any(|a| a == l.id));
        found
    }

    fn declared_route(&self, path: &str) -> Option<&Route> {
        self.declared(path).map(|(table, at)| &table.routes[at])
    }

    /// The table and the place of `path` in it, when counting and the path is declared.
    fn declared(&self, path: &str) -> Option<(&Table, usize)> {
        if !self.counting {
            return None;
        }
        let table = self.table.get()?;
        table.index.get(path).map(|&at| (table, at))
    }

    /// Counts the lints of a request of `instance` to `path`, journaled as entry `seq`.
    pub fn count_lints(&self, instance: &str, path: &str, lints: &[lint::Lint], seq: u64) {
        let Some(table) = self.table.get() else { return };
        let Some(&at) = table.index.get(path) else { return };
        let instances = self.instances.read().unwrap_or_else(|e| e.into_inner());
        for counts in [Some(&table.total), instances.get(instance).map(|c| &**c)].into_iter().flatten() {
            let mut extra = counts.route(at, &table.routes[at]).extra.lock().unwrap_or_else(|e| e.into_inner());
            for l in lints {
                let entry = extra.lints.entry(l.id).or_insert((0, instance.to_string(), seq));
                entry.0 += 1;
            }
        }
    }

    /// Declares the routes (once: the routers are built again for the backup host and in tests,
    /// with the same declarations).
    pub fn declare(&self, declared: Vec<Declared>) {
        self.table.get_or_init(|| {
            let routes: Vec<Route> = declared
                .into_iter()
                .map(|d| Route {
                    path: d.path,
                    branches: d.branches,
                    dimensions: d.dimensions,
                    describe: d.describe,
                    fields: OnceLock::new(),
                })
                .collect();
            let index = routes.iter().enumerate().map(|(i, r)| (r.path.clone(), i)).collect();
            let total = Counts::new(&routes);
            Table { routes, index, total }
        });
    }

    /// Counts a request of `instance` to `path`; `None`: of no instance that exists (a 401 or a
    /// refused login naming one), counted server-wide only, so client-chosen names take no room.
    pub fn count(&self, instance: Option<&str>, path: &str, observed: Observed<'_>) {
        if !self.counting {
            return;
        }
        let Some(table) = self.table.get() else { return };
        let Some(&at) = table.index.get(path) else { return };
        let route = &table.routes[at];
        let sent = fields::sent(route.fields(), observed.form);
        add(table.total.route(at, route), route, &sent, &observed, UNKNOWN_KEPT);
        let Some(instance) = instance else { return };
        match self.instance_counts(table, instance) {
            Some(counts) => add(counts.route(at, route), route, &sent, &observed, UNKNOWN_KEPT_PER_INSTANCE),
            None => {
                self.untracked.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Adds to the dimensions of a route of `instance` what its work found after the answer
    /// (an upload's records, once parsed): each value with its count. No request is counted.
    pub fn count_facets(&self, instance: &str, path: &str, facets: &[(&'static str, u64)]) {
        let Some((table, at)) = self.declared(path) else { return };
        let route = &table.routes[at];
        let counts = self.instance_counts(table, instance);
        for counts in [Some(&table.total), counts.as_deref()].into_iter().flatten() {
            let counts = counts.route(at, route);
            for &(facet, n) in facets.iter().filter(|(_, n)| *n > 0) {
                match route.dimensions.iter().position(|d| *d == facet) {
                    Some(i) => {
                        counts.dimensions[i].fetch_add(n, Ordering::Relaxed);
                    }
                    None => {
                        let mut extra = counts.extra.lock().unwrap_or_else(|e| e.into_inner());
                        *extra.undeclared.entry(facet.to_string()).or_default() += n;
                    }
                }
            }
        }
    }

    fn instance_counts(&self, table: &Table, instance: &str) -> Option<Arc<Counts>> {
        {
            let instances = self.instances.read().unwrap_or_else(|e| e.into_inner());
            if let Some(counts) = instances.get(instance) {
                return Some(counts.clone());
            }
            // Full: no write lock for a name that cannot be kept.
            if instances.len() >= INSTANCES_KEPT {
                return None;
            }
        }
        let mut instances = self.instances.write().unwrap_or_else(|e| e.into_inner());
        if let Some(counts) = instances.get(instance) {
            return Some(counts.clone());
        }
        if instances.len() >= INSTANCES_KEPT {
            return None;
        }
        let counts = Arc::new(Counts::new(&table.routes));
        instances.insert(instance.to_string(), counts.clone());
        Some(counts)
    }

    /// Forgets the counts: every instance's, or one instance's (the server-wide counts keep theirs).
    pub fn clear(&self, instance: Option<&str>) {
        let Some(table) = self.table.get() else { return };
        let mut instances = self.instances.write().unwrap_or_else(|e| e.into_inner());
        match instance {
            Some(name) => {
                instances.remove(name);
            }
            None => {
                instances.clear();
                for counts in table.total.routes.iter().filter_map(OnceLock::get) {
                    counts.clear();
                }
                self.untracked.store(0, Ordering::Relaxed);
            }
        }
    }

    /// The report: server-wide, or of one instance (empty counts for a name never seen).
    pub fn report(&self, instance: Option<&str>) -> Report {
        let Some(table) = self.table.get() else { return Report::build(instance, Vec::new(), 0, self.counting) };
        let kept;
        let counts = match instance {
            None => &table.total,
            Some(name) => match self.instances.read().unwrap_or_else(|e| e.into_inner()).get(name) {
                Some(counts) => {
                    kept = counts.clone();
                    &*kept
                }
                None => {
                    kept = Arc::new(Counts::new(&table.routes));
                    &*kept
                }
            },
        };
        let routes = table
            .routes
            .iter()
            .zip(counts.routes.iter())
            .map(|(route, c)| match c.get() {
                Some(c) => c.report(route),
                None => RouteCounts::new(route).report(route),
            })
            .collect();
        let untracked = if instance.is_none() { self.untracked.load(Ordering::Relaxed) } else { 0 };
        Report::build(instance, routes, untracked, self.counting)
    }
}

/// A route as reports name it: its path under the Integra base (`Dialers/uploadbase`).
fn route_name(path: &str) -> &str {
    path.strip_prefix(crate::routes::BASE).unwrap_or(path).trim_start_matches('/')
}

fn add(counts: &RouteCounts, route: &Route, sent: &fields::Sent, observed: &Observed<'_>, unknown_kept: usize) {
    counts.requests.fetch_add(1, Ordering::Relaxed);
    if !matches!(observed.form, FormRecord::Unread) {
        counts.forms.fetch_add(1, Ordering::Relaxed);
    }
    let declared = observed.branch.and_then(|b| route.branches.iter().position(|d| *d == b));
    if let Some(i) = declared {
        counts.branches[i].fetch_add(1, Ordering::Relaxed);
    }
    let mut strange: Vec<&'static str> = Vec::new();
    for facet in observed.facets {
        match route.dimensions.iter().position(|d| d == facet) {
            Some(i) => {
                counts.dimensions[i].fetch_add(1, Ordering::Relaxed);
            }
            None => strange.push(facet),
        }
    }
    if sent.known.iter().any(|s| s.is_some()) {
        let fields = counts
            .fields
            .get_or_init(|| route.fields().iter().map(|_| [AtomicU64::new(0), AtomicU64::new(0)]).collect());
        for (field, state) in fields.iter().zip(&sent.known) {
            if let Some(empty) = state {
                field[usize::from(*empty)].fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let undeclared = observed.branch.is_some() && declared.is_none();
    let unusual = undeclared || observed.branch.is_none() || observed.fault.is_some();
    if unusual || !sent.unknown.is_empty() || !strange.is_empty() {
        let mut extra = counts.extra.lock().unwrap_or_else(|e| e.into_inner());
        match observed.branch {
            Some(branch) if undeclared => *extra.undeclared.entry(branch.id()).or_default() += 1,
            Some(_) => {}
            // A dropped connection is a fault, not an answer.
            None if observed.fault == Some("drop") => {}
            None => *extra.other.entry(observed.status).or_default() += 1,
        }
        if let Some(fault) = observed.fault {
            *extra.faults.entry(fault).or_default() += 1;
        }
        for facet in strange {
            *extra.undeclared.entry(facet.to_string()).or_default() += 1;
        }
        for name in &sent.unknown {
            if let Some(n) = extra.unknown.get_mut(name.as_str()) {
                *n += 1;
            } else if extra.unknown.len() < unknown_kept {
                extra.unknown.insert(name.clone(), 1);
            } else {
                extra.unknown_dropped += 1;
            }
        }
    }
}

impl RouteCounts {
    fn clear(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.forms.store(0, Ordering::Relaxed);
        for b in self.branches.iter().chain(self.dimensions.iter()) {
            b.store(0, Ordering::Relaxed);
        }
        if let Some(fields) = self.fields.get() {
            for f in fields.iter().flatten() {
                f.store(0, Ordering::Relaxed);
            }
        }
        *self.extra.lock().unwrap_or_else(|e| e.into_inner()) = Extra::default();
    }

    fn report(&self, route: &Route) -> report::RouteReport {
        let requests = self.requests.load(Ordering::Relaxed);
        let forms = self.forms.load(Ordering::Relaxed);
        let branches = route
            .branches
            .iter()
            .zip(self.branches.iter())
            .map(|(b, n)| report::BranchCount {
                branch: b.id(),
                count: n.load(Ordering::Relaxed),
                means: b.doc().into(),
            })
            .collect();
        let dimensions = route
            .dimensions
            .iter()
            .zip(self.dimensions.iter())
            .map(|(d, n)| report::BranchCount {
                branch: d.to_string(),
                count: n.load(Ordering::Relaxed),
                means: String::new(),
            })
            .collect();
        let names = route.fields();
        let fields = names
            .iter()
            .enumerate()
            .map(|(i, (name, required))| {
                let [value, empty] = self
                    .fields
                    .get()
                    .map_or([0, 0], |f| [f[i][0].load(Ordering::Relaxed), f[i][1].load(Ordering::Relaxed)]);
                report::FieldCount {
                    field: name.clone(),
                    required: *required,
                    value,
                    empty,
                    absent: forms.saturating_sub(value + empty),
                }
            })
            .collect();
        let extra = self.extra.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let known: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        report::RouteReport::build(
            route_name(&route.path),
            requests,
            branches,
            dimensions,
            fields,
            extra.unknown.into_iter().map(|(name, count)| report::Unknown::new(name, count, &known)).collect(),
            extra.unknown_dropped,
            extra.undeclared.into_iter().map(|(branch, count)| report::Named { name: branch, count }).collect(),
            extra.faults.into_iter().map(|(fault, count)| report::Named { name: fault.into(), count }).collect(),
            extra.other.into_iter().map(|(status, count)| report::Status { status, count }).collect(),
            extra
                .lints
                .into_iter()
                .map(|(lint, (count, first_instance, first_seq))| report::LintCount {
                    lint: lint.into(),
                    count,
                    first_instance,
                    first_seq,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::FormRecord;

    /// A million requests, each with a new field name and a new instance name: what is kept
    /// stays at its caps, and every request is still counted.
    #[test]
    fn a_million_random_names_keep_the_counts_bounded_and_exact() {
        let coverage = Coverage::new(true, Vec::new());
        coverage.declare(vec![Declared {
            path: "/r".into(),
            branches: vec![Branch::One],
            dimensions: Vec::new(),
            describe: NO_FORM,
        }]);
        const N: u64 = 1_000_000;
        for i in 0..N {
            let form = FormRecord::of(None, format!("f{i:x}=1").as_bytes(), false);
            let observed = Observed { branch: Some(Branch::One), status: 200, fault: None, form: &form, facets: &[] };
            coverage.count(Some(&format!("i{i}")), "/r", observed);
        }
        let report = coverage.report(None);
        let route = &report.routes[0];
        assert_eq!((route.requests, route.branches[0].count), (N, N));
        assert_eq!(route.unknown_fields.len(), UNKNOWN_KEPT);
        assert_eq!(route.unknown_fields_dropped, N - UNKNOWN_KEPT as u64);
        assert_eq!(coverage.instances.read().unwrap().len(), INSTANCES_KEPT);
        assert_eq!(report.untracked_requests, N - INSTANCES_KEPT as u64);
        let kept = coverage
            .instances
            .read()
            .unwrap()
            .values()
            .map(|c| c.routes[0].get().unwrap().extra.lock().unwrap().unknown.len())
            .max();
        assert_eq!(kept, Some(1), "an instance keeps the names it was sent, no more");
        // A name no instance has counts server-wide only: it takes no room.
        let before = coverage.report(None).untracked_requests;
        let form = FormRecord::Unread;
        coverage.count(
            None,
            "/r",
            Observed { branch: Some(Branch::One), status: 200, fault: None, form: &form, facets: &[] },
        );
        assert_eq!(coverage.report(None).untracked_requests, before);
        assert_eq!(coverage.report(None).routes[0].requests, N + 1);
    }

    /// An instance keeps counts for the routes it was sent only; the report still lists them all.
    #[test]
    fn an_instance_holds_the_counts_of_the_routes_it_was_sent() {
        let coverage = Coverage::new(true, Vec::new());
        let route = |path: &str| Declared {
            path: path.into(),
            branches: vec![Branch::One, Branch::TooLarge],
            dimensions: vec!["a", "b"],
            describe: NO_FORM,
        };
        coverage.declare(vec![route("/r"), route("/s"), route("/t")]);
        let observed =
            Observed { branch: Some(Branch::One), status: 200, fault: None, form: &FormRecord::Unread, facets: &["a"] };
        coverage.count(Some("one"), "/s", observed);
        let made: Vec<bool> =
            coverage.instances.read().unwrap()["one"].routes.iter().map(|r| r.get().is_some()).collect();
        assert_eq!(made, [false, true, false]);
        let report = coverage.report(Some("one"));
        let counts: Vec<(u64, u64)> =
            report.routes.iter().map(|r| (r.requests, r.branches.iter().map(|b| b.count).sum())).collect();
        assert_eq!(counts, [(0, 0), (1, 1), (0, 0)]);
        assert_eq!(report.routes[0].branches.len(), 2, "a route never sent still shows its branches");
    }

    #[test]
    fn off_counts_nothing() {
        let coverage = Coverage::new(false, Vec::new());
        coverage.declare(vec![Declared {
            path: "/r".into(),
            branches: vec![Branch::One],
            dimensions: Vec::new(),
            describe: NO_FORM,
        }]);
        let observed =
            Observed { branch: Some(Branch::One), status: 200, fault: None, form: &FormRecord::Unread, facets: &[] };
        coverage.count(Some("default"), "/r", observed);
        let report = coverage.report(None);
        assert_eq!((report.routes[0].requests, report.counting), (0, false));
    }
}
