//! The route table: every route of the application with its method, its path and the
//! [`Action`] of the role table it is checked against.
//!
//! Key decision: routes are added only through [`Routes`], which records each one as it adds it
//! to the router, so the table the tests read *is* the router. A test ties it to the OpenAPI
//! document (every `/api/` route documented, every documented operation routed) and to the
//! authorization walk (every route tried by every role); another fails when a `.route(` call
//! appears anywhere else in the crate.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post};

use crate::state::AppState;
pub use kyoyu_core::usecase::Action;

/// One route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// Its method.
    pub method: Method,
    /// Its path as the router matches it (`/api/incidents/{id}`).
    pub path: &'static str,
    /// What the role table checks for it.
    pub action: Action,
}

/// The router being built, and the table of what was added.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        action: Action,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.specs.push(RouteSpec {
            method,
            path,
            action,
        });
        // The one `.route(` of the crate: a second method on a path merges into its router.
        self.router = self.router.route(path, route);
        self
    }

    /// A `GET` route.
    pub fn get<H, T>(self, path: &'static str, action: Action, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, action, get(handler))
    }

    /// A `POST` route.
    pub fn post<H, T>(self, path: &'static str, action: Action, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, action, post(handler))
    }

    /// A `DELETE` route.
    pub fn delete<H, T>(self, path: &'static str, action: Action, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::DELETE, path, action, delete(handler))
    }

    /// The routes added, in order.
    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    /// The router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Every route of the application: infrastructure, the REST API, TAXII 2.1.
pub fn routes() -> Routes {
    let routes = Routes::new().get("/healthz", Action::Public, crate::healthz);
    let routes = crate::rest::routes(routes);
    crate::taxii::routes(routes)
}

/// The operator's listener (`metrics_listen`, loopback by default): `/metrics` only, kept off
/// the address the API is published on.
pub fn metrics_routes() -> Routes {
    Routes::new().get("/metrics", Action::Public, crate::metrics)
}

/// The route table.
pub fn table() -> Vec<RouteSpec> {
    routes().specs
}
