//! Routes declared once, for serving and for the OpenAPI document. [`route!`] takes the handlers as
//! `utoipa_axum::routes!` does; the router is built from their paths and methods at start, and the
//! document, most of what building the routes cost (utoipa makes its descriptions, schemas and
//! examples at run time: some 2 ms of a start on this machine), when `/openapi.json` is first asked for.

use axum::Router;
use axum::routing::MethodRouter;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

use crate::coverage::Branch;
use crate::state::AppState;

/// What describes a route: `utoipa_axum::routes!` of its handlers.
pub type Describe = fn() -> UtoipaMethodRouter<AppState>;

/// One path and its handlers, with what describes them.
pub struct Route {
    pub path: String,
    pub router: MethodRouter<AppState>,
    pub describe: Describe,
    /// The answers it can give, for the coverage report (`crate::coverage`).
    pub branches: &'static [Branch],
    /// The values of its own dimensions, for the coverage report (`action:RESPOOL`).
    pub dimensions: &'static [&'static str],
}

impl Route {
    /// Declares the answers the route can give besides those every route of its kind gives (the
    /// 401s of a token, 413): what the coverage report counts and shows as never exercised.
    pub fn answers(mut self, branches: &'static [Branch]) -> Self {
        self.branches = branches;
        self
    }

    /// Declares the values of the route's own dimensions its answers say they exercised
    /// (`crate::coverage::Facets`): counted, and shown as never exercised, beside its branches.
    pub fn dimensions(mut self, values: &'static [&'static str]) -> Self {
        self.dimensions = values;
        self
    }
}

/// Routes being gathered: the router, and what describes each route, in order.
pub struct Routes {
    router: Router<AppState>,
    described: Vec<Describe>,
    declared: Vec<(String, &'static [Branch], &'static [&'static str], Describe)>,
}

/// What describes a set of routes, for the document made later.
#[derive(Clone, Default)]
pub struct Docs(Vec<Describe>);

impl Routes {
    pub fn new() -> Self {
        Self { router: Router::new(), described: Vec::new(), declared: Vec::new() }
    }

    pub fn route(mut self, route: Route) -> Self {
        self.router = self.router.route(&route.path, route.router);
        self.described.push(route.describe);
        self.declared.push((route.path, route.branches, route.dimensions, route.describe));
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.described.extend(other.described);
        self.declared.extend(other.declared);
        self
    }

    /// The routes' declarations for the coverage report, each route's own answers followed by
    /// `common` (what every route of the set answers).
    pub fn declared(&self, common: &[Branch]) -> Vec<crate::coverage::Declared> {
        let declared = self.declared.iter().map(|(path, branches, dimensions, describe)| crate::coverage::Declared {
            path: path.clone(),
            branches: branches.iter().chain(common).copied().collect(),
            dimensions: dimensions.to_vec(),
            describe: *describe,
        });
        declared.collect()
    }

    pub fn split(self) -> (Router<AppState>, Docs) {
        (self.router, Docs(self.described))
    }
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Docs {
    /// The OpenAPI document of these routes, as an `OpenApiRouter` of the same routes makes it.
    pub fn openapi(&self) -> OpenApi {
        self.0.iter().fold(OpenApiRouter::new(), |router, describe| router.routes(describe())).split_for_parts().1
    }
}

/// A [`Route`] of one path: its handlers as `utoipa_axum::routes!` takes them (a function, or
/// `module::function`), the path that of the first.
macro_rules! route {
    ($head:ident $(:: $tail:ident)? $(, $more:ident $(:: $more_tail:ident)?)* $(,)?) => {{
        use utoipa::Path as _;
        use utoipa_axum::PathItemExt as _;
        let mut router = axum::routing::MethodRouter::new();
        for method in <$crate::http::routes::described!($head $(:: $tail)?)>::methods() {
            router = router.on(method.to_method_filter(), $head $(:: $tail)?);
        }
        $(
            for method in <$crate::http::routes::described!($more $(:: $more_tail)?)>::methods() {
                router = router.on(method.to_method_filter(), $more $(:: $more_tail)?);
            }
        )*
        $crate::http::routes::Route {
            path: <$crate::http::routes::described!($head $(:: $tail)?)>::path(),
            router,
            describe: || utoipa_axum::routes!($head $(:: $tail)? $(, $more $(:: $more_tail)?)*),
            branches: &[],
            dimensions: &[],
        }
    }};
}

/// The type `#[utoipa::path]` made for a handler.
macro_rules! described {
    ($handler:ident) => {
        utoipa_axum::paste! { [<__path_ $handler>] }
    };
    ($module:ident :: $handler:ident) => {
        utoipa_axum::paste! { $module::[<__path_ $handler>] }
    };
}

pub(crate) use {described, route};
