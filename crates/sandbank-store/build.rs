//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds the directory's files,
//! and cargo does not otherwise look at it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
