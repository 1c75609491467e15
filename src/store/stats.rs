//! Reading the statistics counters (migration 0007): a whole calendar year at once, as every
//! product of a year is protected together above, in `service::stats`. Counts only: no fact
//! ids, no days, no content. The counters are read, never the facts.

use super::db::{Sql, Val};
use super::{Store, StoreError};

/// One summed counter row of a year: the month (1–12), an id (a region, or a school for
/// `stat_school`) and two keys, whose meaning depends on the counter table:
/// `stat_region` a category and a channel, or (summed over the other) a category and "", or
/// "" and a channel;
/// `stat_outcome` an outcome (open tips are not stored) and ""; `stat_timeliness` a classified bucket
/// and a decided bucket, or either with "" ("0" late, "1" in time, "2" not yet); `stat_school`
/// "1" for a confirmed case or "0", and "", by month or by quarter (as its first month).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct YearRow {
    pub month: u8,
    pub id: i64,
    pub a: String,
    pub b: String,
    pub n: u64,
}

/// Every counter of one calendar year, read in one snapshot so that the tables agree with
/// each other (the tips counted by region are the tips counted by outcome).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct YearCounts {
    pub region: Vec<YearRow>,
    pub outcome: Vec<YearRow>,
    pub timeliness: Vec<YearRow>,
    pub school: Vec<YearRow>,
}

// SQLite reads fewer rows faster (summed by category and by channel); PostgreSQL's hash
// aggregation costs more than the rows it saves, so it reads the rows as stored.
const YEAR_REGION: Sql = Sql::each(
    "SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, region_id AS id, category AS a, \
     '' AS b, CAST(SUM(n) AS BIGINT) AS n FROM stat_region \
     WHERE month >= $1 AND month <= $2 GROUP BY month, region_id, category HAVING SUM(n) <> 0 \
     UNION ALL SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, region_id AS id, '' AS a, \
     channel AS b, CAST(SUM(n) AS BIGINT) AS n FROM stat_region \
     WHERE month >= $1 AND month <= $2 GROUP BY month, region_id, channel HAVING SUM(n) <> 0",
    "SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, region_id AS id, category AS a, \
     channel AS b, CAST(n AS BIGINT) AS n FROM stat_region \
     WHERE month >= $1 AND month <= $2 AND n <> 0",
);
const YEAR_OUTCOME: Sql = Sql::both(
    "SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, region_id AS id, outcome AS a, \
     '' AS b, CAST(n AS BIGINT) AS n FROM stat_outcome \
     WHERE month >= $1 AND month <= $2 AND n <> 0",
);
const YEAR_TIMELINESS: Sql = Sql::each(
    "SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, region_id AS id, \
     CAST(classified AS TEXT) AS a, '' AS b, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_timeliness WHERE month >= $1 AND month <= $2 \
     GROUP BY month, region_id, classified HAVING SUM(n) <> 0 \
     UNION ALL SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, region_id AS id, '' AS a, \
     CAST(decided AS TEXT) AS b, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_timeliness WHERE month >= $1 AND month <= $2 \
     GROUP BY month, region_id, decided HAVING SUM(n) <> 0",
    "SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, region_id AS id, \
     CAST(classified AS TEXT) AS a, CAST(decided AS TEXT) AS b, CAST(n AS BIGINT) AS n \
     FROM stat_timeliness WHERE month >= $1 AND month <= $2 AND n <> 0",
);
/// Schools by quarter (as its first month): nothing about schools is published by month.
const YEAR_SCHOOL: Sql = Sql::each(
    "SELECT ((CAST(substr(month, 6, 2) AS BIGINT) - 1) / 3) * 3 + 1 AS m, school_id AS id, \
     CAST(confirmed AS TEXT) AS a, '' AS b, CAST(SUM(n) AS BIGINT) AS n FROM stat_school \
     WHERE month >= $1 AND month <= $2 GROUP BY 1, school_id, confirmed HAVING SUM(n) <> 0",
    "SELECT CAST(substr(month, 6, 2) AS BIGINT) AS m, school_id AS id, \
     CAST(confirmed AS TEXT) AS a, '' AS b, CAST(n AS BIGINT) AS n FROM stat_school \
     WHERE month >= $1 AND month <= $2 AND n <> 0",
);

/// What the counters replace, for the benchmark's reference line only.
const REFERENCE_GROUP_BY: Sql = Sql::both(
    "SELECT month, region_id, COUNT(*) FROM tip_facts WHERE month >= $1 AND month <= $2 \
     GROUP BY month, region_id",
);

impl Store {
    /// The GROUP BY over every fact that the counters replace (`examples/bench_stats.rs`).
    #[doc(hidden)]
    pub async fn reference_group_by(&self, from: &str, to: &str) -> Result<usize, StoreError> {
        let rows = self
            .fetch_all(REFERENCE_GROUP_BY, &[Val::Text(from), Val::Text(to)])
            .await?;
        Ok(rows.len())
    }

    /// Every counter of `year`, in one read-only snapshot.
    pub async fn stat_year(&self, year: i32) -> Result<YearCounts, StoreError> {
        let (from, to) = (format!("{year:04}-01"), format!("{year:04}-12"));
        let args = [Val::Text(&from), Val::Text(&to)];
        let mut tx = self.snapshot().await?;
        let mut counts = YearCounts::default();
        for (sql, out) in [
            (YEAR_REGION, &mut counts.region),
            (YEAR_OUTCOME, &mut counts.outcome),
            (YEAR_TIMELINESS, &mut counts.timeliness),
            (YEAR_SCHOOL, &mut counts.school),
        ] {
            for row in tx.fetch_all(sql, &args).await? {
                let month: i64 = row.get("m")?;
                let n: i64 = row.get("n")?;
                out.push(YearRow {
                    month: u8::try_from(month).unwrap_or(0),
                    id: row.get("id")?,
                    a: row.get("a")?,
                    b: row.get("b")?,
                    n: u64::try_from(n).unwrap_or(0),
                });
            }
        }
        tx.commit().await?;
        Ok(counts)
    }
}
