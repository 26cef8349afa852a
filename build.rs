//! Rebuilds the server when a migration changes: `sqlx::migrate!` embeds
//! the files of `migrations/` at compile time, and cargo would not notice
//! an added or edited file there on its own.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
