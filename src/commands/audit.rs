//! `tipline audit verify`: checks the whole audit chain and names the first broken event.

use crate::config::Config;
use crate::domain::audit::{self, AuditEvent};
use crate::startup;
use anyhow::bail;

/// Events read per page.
const PAGE: i64 = 1_000;

/// `tipline audit verify` — exit 0 on an intact chain, non-zero naming the first broken event.
pub async fn audit_verify(config: &Config) -> anyhow::Result<()> {
    let (_keyring, store) = startup::prepare(config).await?;
    let mut events: Vec<AuditEvent> = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        events.extend(page);
    }
    store.close().await;
    match audit::verify(events) {
        Ok(count) => {
            println!("audit chain intact: {count} events");
            Ok(())
        }
        Err(err) => bail!("audit chain broken: {err}"),
    }
}
