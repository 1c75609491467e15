//! Logging. Lines carry method, route, request id, status and latency — never a client address,
//! user agent, query string, receipt or tip text (SECURITY.md R18). `RUST_LOG` adjusts levels.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,hyper=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in files or the journal.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
