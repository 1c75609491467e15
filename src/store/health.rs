//! What operators and health checks ask of the database: row counts and a round trip.

use super::db::Sql;
use super::model::TableCounts;
use super::{Store, StoreError, decode};

const COUNTS: Sql = Sql::both(
    "SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM schools), \
     (SELECT COUNT(*) FROM tips), (SELECT COUNT(*) FROM messages), \
     (SELECT COUNT(*) FROM tip_facts)",
);
const PING: Sql = Sql::both("SELECT 1");

impl Store {
    /// Row counts per table, for health checks, copying and tests.
    pub async fn counts(&self) -> Result<TableCounts, StoreError> {
        decode::counts(&self.fetch_one(COUNTS, &[]).await?)
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.fetch_one(PING, &[]).await.map(drop)
    }
}
