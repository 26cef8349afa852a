//! Who is asking. Every use case in `server::ops` is given an [`Actor`], so
//! that what it records (owners, "changed by") and what it allows is
//! decided in one place: [`Role::allows`].

use crate::error::{AppError, AppResult};
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

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// Reads everything, changes nothing (ClearML's `guest`).
    Viewer,
    /// Works with tasks, projects, queues and models (ClearML's `user`).
    Member,
    /// Also manages users and everyone's keys.
    Admin,
}

/// Every role, least first.
pub const ALL_ROLES: [Role; 3] = [Role::Viewer, Role::Member, Role::Admin];

/// What a request needs to be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Access {
    /// Reading.
    Read,
    /// Changing tasks, projects, queues, models, events.
    Write,
    /// Managing users and other people's keys.
    Admin,
}

impl Role {
    /// The name used in the database, on the command line and in the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }

    /// The role name ClearML's clients know (`users.get_current_user`).
    pub fn clearml_name(self) -> &'static str {
        match self {
            Role::Viewer => "guest",
            Role::Member => "user",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what needs `access`.
    pub fn allows(self, access: Access) -> bool {
        match access {
            Access::Read => true,
            Access::Write => self >= Role::Member,
            Access::Admin => self == Role::Admin,
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        ALL_ROLES
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| format!("unknown role '{s}': use viewer, member or admin"))
    }
}

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    /// What they sign in with: unique, lower-case.
    pub login: String,
    /// What the dashboard shows.
    pub display_name: String,
    pub role: Role,
    /// A disabled user cannot sign in, and their keys and tokens stop working.
    pub disabled: bool,
    /// Epoch ms.
    pub created: i64,
}

/// An API key pair as the Settings page shows it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub access_key: String,
    /// The owner's user id.
    pub user: String,
    /// Epoch ms.
    pub created: i64,
    /// When it last logged in (epoch ms).
    pub last_used: Option<i64>,
}

/// A key pair just made: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub access_key: String,
    pub secret_key: String,
    /// Where clients reach this server (`CLEARML_API_HOST` and friends).
    pub api_url: String,
    pub web_url: String,
    pub files_url: String,
}

impl NewApiKey {
    /// The `api` section of a `clearml.conf` for this key.
    pub fn clearml_conf(&self) -> String {
        format!(
            "api {{\n    web_server: {}\n    api_server: {}\n    files_server: {}\n    credentials {{\n        \"access_key\" = \"{}\"\n        \"secret_key\" = \"{}\"\n    }}\n}}\n",
            self.web_url, self.api_url, self.files_url, self.access_key, self.secret_key
        )
    }

    /// The same as `export` lines for a shell.
    pub fn exports(&self) -> String {
        format!(
            "export CLEARML_API_HOST={}\nexport CLEARML_WEB_HOST={}\nexport CLEARML_FILES_HOST={}\nexport CLEARML_API_ACCESS_KEY={}\nexport CLEARML_API_SECRET_KEY={}\n",
            self.api_url, self.web_url, self.files_url, self.access_key, self.secret_key
        )
    }
}

/// Checks and normalizes a login name: 2 to 64 characters of `a-z`, `0-9`,
/// `.`, `_`, `-`, starting with a letter or digit; upper case is folded.
pub fn check_login(login: &str) -> Result<String, String> {
    let login = login.trim().to_ascii_lowercase();
    let ok_chars = login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let starts_well = login.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !(2..=64).contains(&login.len()) || !ok_chars || !starts_well {
        return Err(format!(
            "'{login}' is not a valid login: 2 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        ));
    }
    Ok(login)
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Checks a password a person chose.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(format!("a password needs at least {MIN_PASSWORD_CHARS} characters"))
    } else {
        Ok(())
    }
}

/// Who is asking, as far as the server knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user id recorded on what this actor creates and changes.
    pub user: String,
    /// What they may do.
    pub role: Role,
    /// How the request came in.
    pub channel: Channel,
    /// The worker the request is made for (`X-ClearML-Worker`), if any.
    pub worker: Option<String>,
}

/// The user id of the server's own changes.
pub const SERVER_USER: &str = "labbook";

impl Actor {
    /// A ClearML API client authenticated as `user` with `role`, on behalf
    /// of `worker`.
    pub fn api(user: impl Into<String>, role: Role, worker: Option<String>) -> Actor {
        Actor { user: user.into(), role, channel: Channel::Api, worker }
    }

    /// A person signed in to the dashboard.
    pub fn web(user: &User) -> Actor {
        Actor { user: user.id.clone(), role: user.role, channel: Channel::Web, worker: None }
    }

    /// The server itself.
    pub fn server() -> Actor {
        Actor { user: SERVER_USER.into(), role: Role::Admin, channel: Channel::Server, worker: None }
    }

    /// Refuses what this actor's role does not allow: 403/21 for a change,
    /// 403/20 for administration, as ClearML answers.
    pub fn require(&self, access: Access) -> AppResult<()> {
        if self.role.allows(access) {
            return Ok(());
        }
        let role = self.role.as_str();
        Err(match access {
            Access::Admin => {
                AppError::RoleNotAllowed { message: format!("only an admin may do this; you are a {role}") }
            }
            _ => AppError::NoWritePermission { message: format!("a {role} can read but not change anything") },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_allow_in_order() {
        assert!(Role::Viewer.allows(Access::Read) && !Role::Viewer.allows(Access::Write));
        assert!(Role::Member.allows(Access::Write) && !Role::Member.allows(Access::Admin));
        assert!(Role::Admin.allows(Access::Admin));
        let viewer = Actor::api("u", Role::Viewer, None);
        assert_eq!(viewer.require(Access::Write).map_err(|e| (e.status(), e.subcode())), Err((403, 21)));
        let member = Actor::api("u", Role::Member, None);
        assert_eq!(member.require(Access::Admin).map_err(|e| (e.status(), e.subcode())), Err((403, 20)));
        assert_eq!("member".parse::<Role>(), Ok(Role::Member));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn logins_are_folded_and_checked() {
        assert_eq!(check_login(" Ada.L "), Ok("ada.l".to_string()));
        assert!(check_login("a").is_err());
        assert!(check_login("-x").is_err());
        assert!(check_login("a b").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("long enough!").is_ok());
    }
}
