//! The whole server, spawned in-process on a free port ([`app::TestApp`]),
//! driven over HTTP the way its clients drive it: the ClearML API as the
//! SDK calls it, and the web UI's server functions under `/rpc`. Every test
//! runs on a fresh SQLite file, and again on a fresh PostgreSQL database
//! when `TEST_DATABASE_URL` names a server (`LABBOOK_REQUIRE_PG=1` makes a
//! missing one an error rather than a skip).

#![cfg(feature = "ssr")]

mod app;
mod events;
mod migrations;
mod projects;
mod queues;
mod semantics;
mod signin;
mod tasks;
mod users;
mod web;
