//! Tells the test binary what this machine offers beyond Rust:
//!
//! - `tipline_pg`: a PostgreSQL server was offered (`TEST_DATABASE_URL`). Without it the
//!   PostgreSQL cases are compiled as `#[ignore]`d, so `cargo test` counts them as ignored rather
//!   than as passed; with it they run, and an unreachable server fails them.
//! - `tipline_browser`: Node, a Chromium (`CHROMIUM`, default `/usr/bin/chromium`) and the browser
//!   suite's npm package (`tests/browser/node_modules`, installed by `npm ci` in `.ci/run`) are
//!   all here, so the browser suite runs; otherwise it shows as ignored, with the reason.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    // `sqlx::migrate!` embeds the migration files: a new one must rebuild the crate.
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rustc-check-cfg=cfg(tipline_pg)");
    if std::env::var_os("TEST_DATABASE_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=tipline_pg");
    }

    println!("cargo::rerun-if-env-changed=CHROMIUM");
    // The folder, scanned by cargo: `npm ci` there (or removing node_modules) reruns this. Not a
    // path that may be missing: cargo would rerun the script, and rebuild, every time.
    println!("cargo::rerun-if-changed=tests/browser");
    println!("cargo::rustc-check-cfg=cfg(tipline_browser)");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let node = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("node").is_file()));
    let package = Path::new("tests/browser/node_modules/playwright-core/package.json");
    if node && Path::new(&chromium).is_file() && package.is_file() {
        println!("cargo::rustc-cfg=tipline_browser");
    }
}
