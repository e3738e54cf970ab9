//! The node's routes as a table that remembers its paths, so the permission matrix test can hold
//! every route the router serves to an expectation (a route the matrix does not name fails it).

use axum::Router;
use axum::routing::MethodRouter;

use crate::AppState;

/// A router being built, with the path of every route added to it.
pub struct RouteTable {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl RouteTable {
    pub fn new() -> RouteTable {
        RouteTable {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// Adds `methods` at `path`, as `Router::route` does.
    pub fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> RouteTable {
        self.paths.push(path);
        self.router = self.router.route(path, methods);
        self
    }

    /// Adds every route of `other`.
    pub fn merge(mut self, other: RouteTable) -> RouteTable {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }

    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }
}

impl Default for RouteTable {
    fn default() -> RouteTable {
        RouteTable::new()
    }
}

/// Every route of a node, in the order they were added.
pub fn every_route() -> RouteTable {
    RouteTable::new()
        .merge(crate::health::routes())
        .merge(crate::cluster::routes())
        .merge(crate::api::routes())
        .merge(crate::ui::routes())
}

/// The path templates of every route a node serves (`/rest/api/content/{id}`…).
pub fn route_paths() -> Vec<&'static str> {
    every_route().paths().to_vec()
}
