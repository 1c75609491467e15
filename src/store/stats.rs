//! Reading the statistics counters (migration 0007), summed over a range of months in the
//! shape one published table needs. Counts only: no fact ids, no days, no content. The
//! suppression of small cells happens above, in `service::stats`.
//!
//! Every query sums counter rows (a few per month and region), never the facts.

use super::db::{Sql, Val};
use super::{Store, StoreError};

/// `YYYY-Qn` from a `YYYY-MM` month column, the same text in both dialects.
macro_rules! quarter {
    () => {
        "substr(month, 1, 4) || '-Q' || ((CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3)"
    };
}

/// The cuts of the counters that the tables and the report read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Per month and region.
    RegionMonth,
    /// Per month and category.
    CategoryMonth,
    /// Per quarter and channel.
    ChannelQuarter,
    /// Per quarter and school (tips naming a school).
    SchoolQuarter,
    /// Per quarter, region and outcome (closed tips).
    OutcomeQuarter,
    /// Per quarter and timeliness bucket (`classified_1`, `decided_0`, …).
    TimelinessQuarter,
}

/// The cuts of the indicator report, over a year by half (`stat_counts_by_half`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportCut {
    /// Per region: `category:<code>` and `channel:<code>` rows.
    RegionCategoryChannel,
    /// Per region and outcome (closed tips).
    RegionOutcome,
    /// Per region: `timely:classified_<b>` and `timely:decided_<b>` rows (0 late, 1 in
    /// time, 2 not yet).
    RegionTimeliness,
    /// Per school: tips closed as a confirmed case.
    SchoolConfirmed,
}

impl ReportCut {
    fn sql(self) -> Sql {
        match self {
            ReportCut::RegionCategoryChannel => REGION_CATEGORY_CHANNEL,
            ReportCut::RegionOutcome => REGION_OUTCOME,
            ReportCut::RegionTimeliness => REGION_TIMELINESS,
            ReportCut::SchoolConfirmed => SCHOOL_CONFIRMED,
        }
    }
}

const REGION_MONTH: Sql = Sql::both(
    "SELECT month AS period, region_id AS id, '' AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_region WHERE month >= $1 AND month <= $2 GROUP BY month, region_id",
);
const CATEGORY_MONTH: Sql = Sql::both(
    "SELECT month AS period, CAST(0 AS BIGINT) AS id, category AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_region WHERE month >= $1 AND month <= $2 GROUP BY month, category",
);
const CHANNEL_QUARTER: Sql = Sql::both(concat!(
    "SELECT ",
    quarter!(),
    " AS period, CAST(0 AS BIGINT) AS id, channel AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_region WHERE month >= $1 AND month <= $2 GROUP BY 1, channel"
));
const SCHOOL_QUARTER: Sql = Sql::both(concat!(
    "SELECT ",
    quarter!(),
    " AS period, school_id AS id, '' AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_school WHERE month >= $1 AND month <= $2 GROUP BY 1, school_id"
));
const OUTCOME_QUARTER: Sql = Sql::both(concat!(
    "SELECT ",
    quarter!(),
    " AS period, region_id AS id, outcome AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_outcome WHERE month >= $1 AND month <= $2 AND outcome <> '' \
     GROUP BY 1, region_id, outcome"
));
const TIMELINESS_QUARTER: Sql = Sql::both(concat!(
    "SELECT ",
    quarter!(),
    " AS period, CAST(0 AS BIGINT) AS id, 'classified_' || classified AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_timeliness WHERE month >= $1 AND month <= $2 GROUP BY 1, classified \
     UNION ALL SELECT ",
    quarter!(),
    " AS period, CAST(0 AS BIGINT) AS id, 'decided_' || decided AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_timeliness WHERE month >= $1 AND month <= $2 GROUP BY 1, decided"
));
/// The report's cuts read a whole year at once, split into halves by `$3` (the last month of
/// the first half): one pass over each counter table.
macro_rules! half {
    () => {
        "CASE WHEN month <= $3 THEN 'H1' ELSE 'H2' END"
    };
}
const REGION_CATEGORY_CHANNEL: Sql = Sql::both(concat!(
    "SELECT ",
    half!(),
    " AS period, region_id AS id, 'category:' || category AS k, \
     CAST(SUM(n) AS BIGINT) AS n FROM stat_region WHERE month >= $1 AND month <= $2 \
     GROUP BY 1, region_id, category UNION ALL SELECT ",
    half!(),
    " AS period, region_id AS id, 'channel:' || channel AS k, \
     CAST(SUM(n) AS BIGINT) AS n FROM stat_region WHERE month >= $1 AND month <= $2 \
     GROUP BY 1, region_id, channel"
));
const REGION_OUTCOME: Sql = Sql::both(concat!(
    "SELECT ",
    half!(),
    " AS period, region_id AS id, outcome AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_outcome WHERE month >= $1 AND month <= $2 AND outcome <> '' \
     GROUP BY 1, region_id, outcome"
));
const REGION_TIMELINESS: Sql = Sql::both(concat!(
    "SELECT ",
    half!(),
    " AS period, region_id AS id, 'timely:classified_' || classified AS k, \
     CAST(SUM(n) AS BIGINT) AS n FROM stat_timeliness WHERE month >= $1 AND month <= $2 \
     GROUP BY 1, region_id, classified UNION ALL SELECT ",
    half!(),
    " AS period, region_id AS id, 'timely:decided_' || decided AS k, \
     CAST(SUM(n) AS BIGINT) AS n FROM stat_timeliness WHERE month >= $1 AND month <= $2 \
     GROUP BY 1, region_id, decided"
));
const SCHOOL_CONFIRMED: Sql = Sql::both(concat!(
    "SELECT ",
    half!(),
    " AS period, school_id AS id, '' AS k, CAST(SUM(n) AS BIGINT) AS n \
     FROM stat_school WHERE month >= $1 AND month <= $2 AND confirmed = 1 \
     GROUP BY 1, school_id"
));

/// One summed cut: a period (`YYYY-MM`, `YYYY-Qn`, or empty for the whole range), an id (a
/// region or school; 0 for no region or none asked) and a key (category, channel, outcome or
/// timeliness bucket; empty when none asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub period: String,
    pub id: i64,
    pub key: String,
    pub n: i64,
}

impl Cut {
    fn sql(self) -> Sql {
        match self {
            Cut::RegionMonth => REGION_MONTH,
            Cut::CategoryMonth => CATEGORY_MONTH,
            Cut::ChannelQuarter => CHANNEL_QUARTER,
            Cut::SchoolQuarter => SCHOOL_QUARTER,
            Cut::OutcomeQuarter => OUTCOME_QUARTER,
            Cut::TimelinessQuarter => TIMELINESS_QUARTER,
        }
    }
}

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

    /// The counters of `cut`, summed over the months `from` to `to` (`YYYY-MM`, included).
    /// Rows that sum to zero are left out.
    pub async fn stat_counts(
        &self,
        cut: Cut,
        from: &str,
        to: &str,
    ) -> Result<Vec<CountRow>, StoreError> {
        self.stat_rows(cut.sql(), &[Val::Text(from), Val::Text(to)])
            .await
    }

    /// The report's cuts over the year `year`, with `period` `H1` or `H2`.
    pub async fn stat_counts_by_half(
        &self,
        cut: ReportCut,
        year: i32,
    ) -> Result<Vec<CountRow>, StoreError> {
        let (from, split, to) = (
            format!("{year:04}-01"),
            format!("{year:04}-06"),
            format!("{year:04}-12"),
        );
        let args = [Val::Text(&from), Val::Text(&to), Val::Text(&split)];
        self.stat_rows(cut.sql(), &args).await
    }

    async fn stat_rows(&self, sql: Sql, args: &[Val<'_>]) -> Result<Vec<CountRow>, StoreError> {
        let rows = self.fetch_all(sql, args).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let n: i64 = row.get("n")?;
            if n != 0 {
                out.push(CountRow {
                    period: row.get("period")?,
                    id: row.get("id")?,
                    key: row.get("k")?,
                    n,
                });
            }
        }
        Ok(out)
    }
}
