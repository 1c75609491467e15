//! Tells the test binary whether a PostgreSQL server was offered (`TEST_DATABASE_URL`).
//!
//! Without it the PostgreSQL cases are compiled as `#[ignore]`d, so `cargo test` counts them
//! as ignored rather than as passed; with it they run, and an unreachable server fails them.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // `sqlx::migrate!` embeds the migration files: a new one must rebuild the crate.
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rustc-check-cfg=cfg(tipline_pg)");
    if std::env::var_os("TEST_DATABASE_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=tipline_pg");
    }
}
