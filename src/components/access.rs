//! Who is signed in, known at once on both sides: on the server from the
//! request (the web guard put the [`User`] there), in the browser from the
//! `data-*` attributes the server wrote on `<body>`. So a page renders the
//! same buttons in both, and hydration never sees a different tree. The
//! server refuses what a role may not do whatever the page shows; hiding
//! buttons only spares a viewer the refusals.

use crate::model::{Access, Role};
use leptos::prelude::*;

/// The signed-in person, as the pages need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub role: Role,
}

impl Me {
    /// Whether their role allows what needs `access`.
    pub fn may(&self, access: Access) -> bool {
        self.role.allows(access)
    }
}

/// The signed-in person of this request (server) or page (browser).
pub fn current() -> Option<Me> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<axum::http::request::Parts>()?;
        let user = parts.extensions.get::<crate::model::User>()?;
        Some(Me { id: user.id.clone(), name: user.display_name.clone(), role: user.role })
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        {
            let body = web_sys::window()?.document()?.body()?;
            let role = body.get_attribute("data-role")?.parse().ok()?;
            Some(Me { id: body.get_attribute("data-user")?, name: body.get_attribute("data-name")?, role })
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }
}

/// The signed-in person provided by the app (`None` outside it).
pub fn me() -> Option<Me> {
    use_context::<Option<Me>>().flatten()
}

/// Whether the signed-in person may do what needs `access`.
pub fn may(access: Access) -> bool {
    me().is_some_and(|m| m.may(access))
}

/// Whether the signed-in person may change things.
pub fn can_write() -> bool {
    may(Access::Write)
}
