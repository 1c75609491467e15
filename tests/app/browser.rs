//! The browser suite (`tests/browser/run.js`, issue 13, SECURITY.md R39) run from `cargo test`:
//! Debian's headless Chromium over the tipster's pages at a phone's size, JavaScript on and off.
//!
//! It needs Node, Chromium and `tests/browser/node_modules` (`npm ci` there); `build.rs` sets
//! `tipline_browser` when all three are present. Without them the test is ignored, and
//! `cargo test` says so with the reason. `.ci/run` installs them.

use std::process::Command;

#[test]
#[cfg_attr(
    not(tipline_browser),
    ignore = "browser suite not run: needs node, /usr/bin/chromium and `npm ci` in tests/browser (.ci/run installs them)"
)]
fn the_tipsters_pages_pass_the_browser_suite() {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new("node")
        .arg("tests/browser/run.js")
        .env("TIPLINE_BIN", env!("CARGO_BIN_EXE_tipline"))
        .current_dir(root)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Shown with --nocapture, and whenever the suite fails.
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the browser suite failed:\n{stdout}"
    );
    assert!(
        stdout.contains(" passed, 0 failed"),
        "the suite reported no result"
    );
}
