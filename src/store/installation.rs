//! Which installation a database belongs to, and the fingerprints of the keys it was used with
//! (SECURITY.md R35). Only identifiers and fingerprints live here, never key bytes.
//!
//! Writes only ever add: a recorded id or fingerprint is never changed by the application, so
//! a wrong keys directory cannot overwrite the record that would expose it. Two processes
//! starting at once both insert-or-ignore the same values, and both read back the winner.

use super::db::{Sql, Val};
use super::{Store, StoreError};

const SELECT_INSTALLATION: Sql = Sql::both("SELECT id FROM installation WHERE singleton = 1");
const INSERT_INSTALLATION: Sql = Sql::both(
    "INSERT INTO installation (singleton, id) VALUES (1, $1) ON CONFLICT (singleton) DO NOTHING",
);
const SELECT_FINGERPRINTS: Sql =
    Sql::both("SELECT purpose, fingerprint FROM key_fingerprints ORDER BY purpose");
const INSERT_FINGERPRINT: Sql = Sql::both(
    "INSERT INTO key_fingerprints (purpose, fingerprint) VALUES ($1, $2) \
     ON CONFLICT (purpose) DO NOTHING",
);

/// A database's installation id and the key fingerprints recorded in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstallationRecord {
    pub id: Option<String>,
    /// `(purpose, fingerprint)`, sorted by purpose.
    pub fingerprints: Vec<(String, String)>,
}

impl Store {
    pub async fn installation(&self) -> Result<InstallationRecord, StoreError> {
        let id = match self.fetch_optional(SELECT_INSTALLATION, &[]).await? {
            Some(row) => Some(row.get::<String>("id")?),
            None => None,
        };
        let mut fingerprints = Vec::new();
        for row in self.fetch_all(SELECT_FINGERPRINTS, &[]).await? {
            fingerprints.push((row.get("purpose")?, row.get("fingerprint")?));
        }
        Ok(InstallationRecord { id, fingerprints })
    }

    /// Records the installation id (unless one is recorded) and every fingerprint not yet
    /// recorded, in one transaction; returns what the database holds afterwards.
    pub async fn record_installation(
        &self,
        id: &str,
        fingerprints: &[(String, String)],
    ) -> Result<InstallationRecord, StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(INSERT_INSTALLATION, &[Val::Text(id)]).await?;
        for (purpose, fingerprint) in fingerprints {
            tx.execute(
                INSERT_FINGERPRINT,
                &[Val::Text(purpose), Val::Text(fingerprint)],
            )
            .await?;
        }
        tx.commit().await?;
        self.installation().await
    }
}
