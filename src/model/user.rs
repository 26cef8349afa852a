//! Who is asking. Every use case in `server::ops` is given an [`Actor`], so
//! that what it records (owners, "changed by") and, with accounts, what it
//! allows, is decided in one place.

use serde::{Deserialize, Serialize};

/// How a request reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// The ClearML REST API (the SDK, agents, scripts).
    Api,
    /// The web dashboard's server functions, pages and downloads.
    Web,
    /// The server itself (the reaper of lost workers, start-up).
    Server,
}

/// Who is asking, as far as the server knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user id recorded on what this actor creates and changes.
    pub user: String,
    /// How the request came in.
    pub channel: Channel,
    /// The worker the request is made for (`X-ClearML-Worker`), if any.
    pub worker: Option<String>,
}

/// The user id the web dashboard acts as until it has accounts of its own.
pub const WEB_USER: &str = "web";

/// The user id of the server's own changes.
pub const SERVER_USER: &str = "labbook";

impl Actor {
    /// A ClearML API client authenticated as `user`, on behalf of `worker`.
    pub fn api(user: impl Into<String>, worker: Option<String>) -> Actor {
        Actor { user: user.into(), channel: Channel::Api, worker }
    }

    /// The web dashboard.
    pub fn web() -> Actor {
        Actor { user: WEB_USER.into(), channel: Channel::Web, worker: None }
    }

    /// The server itself.
    pub fn server() -> Actor {
        Actor { user: SERVER_USER.into(), channel: Channel::Server, worker: None }
    }
}
