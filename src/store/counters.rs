//! The statistics counters (migration 0007): what each fact adds to them, applied in the same
//! transaction as the fact's insert or update; the recount that checks them (`tipline stats
//! verify`) and the rebuild after a copy.
//!
//! A fact contributes one to one row of each counter table. An update reads the fact before
//! and after the statement and moves its contribution (minus the old keys, plus the new), so
//! the counters cannot drift from whatever the update statement did. Deltas of a batch are
//! summed first and applied in key order: fewer statements per group commit, and two
//! PostgreSQL transactions touch shared rows in the same order (no deadlock).

use super::db::{DbRow, Sql, Tx, Val};
use super::{Store, StoreError, retry};
use crate::domain::workflow::Outcome;
use std::collections::BTreeMap;
use std::str::FromStr;

// Each statement applies every change of a transaction to one counter table: the rows come as
// one JSON array parameter (`json_each` on SQLite, `json_to_recordset` on PostgreSQL), so a
// group commit of 100 tips costs four statements, not hundreds of round trips.
const INC_REGION: Sql = Sql::each(
    "INSERT INTO stat_region (month, region_id, category, channel, n) \
     SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', \
     value ->> '$[4]' FROM json_each($1) WHERE true \
     ON CONFLICT (month, region_id, category, channel) DO UPDATE SET n = stat_region.n + excluded.n",
    "INSERT INTO stat_region (month, region_id, category, channel, n) \
     SELECT e ->> 0, (e ->> 1)::BIGINT, e ->> 2, e ->> 3, (e ->> 4)::BIGINT \
     FROM json_array_elements($1::TEXT::JSON) AS e \
     ON CONFLICT (month, region_id, category, channel) DO UPDATE SET n = stat_region.n + excluded.n",
);
const INC_SCHOOL: Sql = Sql::each(
    "INSERT INTO stat_school (month, school_id, confirmed, n) \
     SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' \
     FROM json_each($1) WHERE true \
     ON CONFLICT (month, school_id, confirmed) DO UPDATE SET n = stat_school.n + excluded.n",
    "INSERT INTO stat_school (month, school_id, confirmed, n) \
     SELECT e ->> 0, (e ->> 1)::BIGINT, (e ->> 2)::BIGINT, (e ->> 3)::BIGINT \
     FROM json_array_elements($1::TEXT::JSON) AS e \
     ON CONFLICT (month, school_id, confirmed) DO UPDATE SET n = stat_school.n + excluded.n",
);
const INC_OUTCOME: Sql = Sql::each(
    "INSERT INTO stat_outcome (month, region_id, outcome, n) \
     SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' \
     FROM json_each($1) WHERE true \
     ON CONFLICT (month, region_id, outcome) DO UPDATE SET n = stat_outcome.n + excluded.n",
    "INSERT INTO stat_outcome (month, region_id, outcome, n) \
     SELECT e ->> 0, (e ->> 1)::BIGINT, e ->> 2, (e ->> 3)::BIGINT \
     FROM json_array_elements($1::TEXT::JSON) AS e \
     ON CONFLICT (month, region_id, outcome) DO UPDATE SET n = stat_outcome.n + excluded.n",
);
const INC_TIMELINESS: Sql = Sql::each(
    "INSERT INTO stat_timeliness (month, region_id, classified, decided, n) \
     SELECT value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', \
     value ->> '$[4]' FROM json_each($1) WHERE true \
     ON CONFLICT (month, region_id, classified, decided) \
     DO UPDATE SET n = stat_timeliness.n + excluded.n",
    "INSERT INTO stat_timeliness (month, region_id, classified, decided, n) \
     SELECT e ->> 0, (e ->> 1)::BIGINT, (e ->> 2)::BIGINT, (e ->> 3)::BIGINT, (e ->> 4)::BIGINT \
     FROM json_array_elements($1::TEXT::JSON) AS e \
     ON CONFLICT (month, region_id, classified, decided) \
     DO UPDATE SET n = stat_timeliness.n + excluded.n",
);
const SELECT_FACT: Sql = Sql::both(
    "SELECT month, region_id, school_id, category, channel, outcome, classified_on_time, \
     decided_within_20_days FROM tip_facts WHERE tip_id = $1",
);

/// The same statements as migration 0007's backfill.
const CLEAR: [Sql; 4] = [
    Sql::both("DELETE FROM stat_region"),
    Sql::both("DELETE FROM stat_school"),
    Sql::both("DELETE FROM stat_outcome"),
    Sql::both("DELETE FROM stat_timeliness"),
];
/// The outcomes that make a confirmed case (`Outcome::is_confirmed_case`), as an SQL list.
macro_rules! confirmed {
    () => {
        "('confirmed_use', 'confirmed_dealing', 'hotspot_dismantled', 'cultivation_destroyed')"
    };
}
const REFILL: [Sql; 4] = [
    Sql::both(
        "INSERT INTO stat_region (month, region_id, category, channel, n) \
         SELECT month, COALESCE(region_id, 0), category, channel, COUNT(*) FROM tip_facts \
         GROUP BY month, COALESCE(region_id, 0), category, channel",
    ),
    Sql::both(concat!(
        "INSERT INTO stat_school (month, school_id, confirmed, n) \
             SELECT month, school_id, CASE WHEN outcome IN ",
        confirmed!(),
        " THEN 1 ELSE 0 END, COUNT(*) FROM tip_facts WHERE school_id IS NOT NULL \
             GROUP BY 1, 2, 3"
    )),
    Sql::both(
        "INSERT INTO stat_outcome (month, region_id, outcome, n) \
         SELECT month, COALESCE(region_id, 0), outcome, COUNT(*) FROM tip_facts \
         WHERE outcome IS NOT NULL GROUP BY 1, 2, 3",
    ),
    Sql::both(
        "INSERT INTO stat_timeliness (month, region_id, classified, decided, n) \
         SELECT month, COALESCE(region_id, 0), \
         CASE WHEN classified_on_time IS NULL THEN 2 WHEN classified_on_time THEN 1 ELSE 0 END, \
         CASE WHEN decided_within_20_days IS NULL THEN 2 WHEN decided_within_20_days THEN 1 \
         ELSE 0 END, COUNT(*) FROM tip_facts \
         WHERE classified_on_time IS NOT NULL OR decided_within_20_days IS NOT NULL \
         GROUP BY 1, 2, 3, 4",
    ),
];

/// Each counter table and its recount from the facts, as `key → n` rows.
const COMPARE: [(&str, Sql, Sql); 4] = [
    (
        "stat_region",
        Sql::both(
            "SELECT month || '|' || region_id || '|' || category || '|' || channel, n \
             FROM stat_region WHERE n <> 0",
        ),
        Sql::both(
            "SELECT month || '|' || COALESCE(region_id, 0) || '|' || category || '|' || channel, \
             COUNT(*) FROM tip_facts GROUP BY 1",
        ),
    ),
    (
        "stat_school",
        Sql::both(
            "SELECT month || '|' || school_id || '|' || confirmed, n FROM stat_school \
             WHERE n <> 0",
        ),
        Sql::both(concat!(
            "SELECT month || '|' || school_id || '|' || CASE WHEN outcome IN ",
            confirmed!(),
            " THEN 1 ELSE 0 END, COUNT(*) FROM tip_facts WHERE school_id IS NOT NULL GROUP BY 1"
        )),
    ),
    (
        "stat_outcome",
        Sql::both(
            "SELECT month || '|' || region_id || '|' || outcome, n FROM stat_outcome WHERE n <> 0",
        ),
        Sql::both(
            "SELECT month || '|' || COALESCE(region_id, 0) || '|' || outcome, COUNT(*) \
             FROM tip_facts WHERE outcome IS NOT NULL GROUP BY 1",
        ),
    ),
    (
        "stat_timeliness",
        Sql::both(
            "SELECT month || '|' || region_id || '|' || classified || '|' || decided, n \
             FROM stat_timeliness WHERE n <> 0",
        ),
        Sql::both(
            "SELECT month || '|' || COALESCE(region_id, 0) || '|' || CASE WHEN \
             classified_on_time IS NULL THEN 2 WHEN classified_on_time THEN 1 ELSE 0 END || '|' \
             || CASE WHEN decided_within_20_days IS NULL THEN 2 WHEN decided_within_20_days \
             THEN 1 ELSE 0 END, COUNT(*) FROM tip_facts \
             WHERE classified_on_time IS NOT NULL OR decided_within_20_days IS NOT NULL \
             GROUP BY 1",
        ),
    ),
];

/// What a fact says, as far as the counters care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FactKeys {
    pub month: String,
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub category: String,
    pub channel: String,
    pub outcome: Option<String>,
    pub classified_on_time: Option<bool>,
    pub decided_within_20_days: Option<bool>,
}

fn tri(value: Option<bool>) -> i64 {
    match value {
        Some(false) => 0,
        Some(true) => 1,
        None => 2,
    }
}

/// One row of one counter table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Region(String, i64, String, String),
    School(String, i64, bool),
    Outcome(String, i64, String),
    Timeliness(String, i64, i64, i64),
}

impl Key {
    /// The month of the row, `YYYY-MM`.
    fn month(&self) -> &str {
        match self {
            Key::Region(m, ..)
            | Key::School(m, ..)
            | Key::Outcome(m, ..)
            | Key::Timeliness(m, ..) => m,
        }
    }
}

impl FactKeys {
    /// The counter rows this fact adds one to. An open tip adds none to `stat_outcome` and a
    /// tip neither classified nor decided yet none to `stat_timeliness` (migration 0009):
    /// statistics take those as all tips less the rest, so a new tip writes half as many rows.
    fn keys(&self) -> Vec<Key> {
        let region = self.region_id.unwrap_or(0);
        let mut keys = vec![Key::Region(
            self.month.clone(),
            region,
            self.category.clone(),
            self.channel.clone(),
        )];
        if let Some(outcome) = &self.outcome {
            keys.push(Key::Outcome(self.month.clone(), region, outcome.clone()));
        }
        let deadlines = (
            tri(self.classified_on_time),
            tri(self.decided_within_20_days),
        );
        if deadlines != (2, 2) {
            keys.push(Key::Timeliness(
                self.month.clone(),
                region,
                deadlines.0,
                deadlines.1,
            ));
        }
        if let Some(school) = self.school_id {
            let confirmed = self
                .outcome
                .as_deref()
                .and_then(|o| Outcome::from_str(o).ok())
                .is_some_and(Outcome::is_confirmed_case);
            keys.push(Key::School(self.month.clone(), school, confirmed));
        }
        keys
    }
}

/// Changes to the counters, summed before they are written.
#[derive(Debug, Default)]
pub(crate) struct Deltas(BTreeMap<Key, i64>);

impl Deltas {
    pub fn add(&mut self, fact: &FactKeys) {
        for key in fact.keys() {
            *self.0.entry(key).or_default() += 1;
        }
    }

    pub fn remove(&mut self, fact: &FactKeys) {
        for key in fact.keys() {
            *self.0.entry(key).or_default() -= 1;
        }
    }

    /// Writes the non-zero changes: one statement per counter table, rows in key order (two
    /// PostgreSQL transactions lock shared rows in the same order).
    pub async fn apply(&self, tx: &mut Tx) -> Result<(), StoreError> {
        use serde_json::{Value, json};
        let mut lists: [Vec<Value>; 4] = Default::default();
        for (key, &n) in self.0.iter().filter(|(_, n)| **n != 0) {
            match key.month().get(..4).and_then(|y| y.parse().ok()) {
                Some(year) => tx.mark_year_changed(year),
                None => tx.mark_all_changed(),
            }
            let (table, row) = match key {
                Key::Region(m, r, c, ch) => (0, json!([m, r, c, ch, n])),
                Key::School(m, s, c) => (1, json!([m, s, i64::from(*c), n])),
                Key::Outcome(m, r, o) => (2, json!([m, r, o, n])),
                Key::Timeliness(m, r, c, d) => (3, json!([m, r, c, d, n])),
            };
            lists[table].push(row);
        }
        let statements = [INC_REGION, INC_SCHOOL, INC_OUTCOME, INC_TIMELINESS];
        for (sql, rows) in statements.into_iter().zip(lists) {
            if !rows.is_empty() {
                let rows = Value::Array(rows).to_string();
                tx.execute(sql, &[Val::Text(&rows)]).await?;
            }
        }
        Ok(())
    }
}

fn fact_keys(row: &DbRow) -> Result<FactKeys, StoreError> {
    Ok(FactKeys {
        month: row.get("month")?,
        region_id: row.get("region_id")?,
        school_id: row.get("school_id")?,
        category: row.get("category")?,
        channel: row.get("channel")?,
        outcome: row.get("outcome")?,
        classified_on_time: row.get("classified_on_time")?,
        decided_within_20_days: row.get("decided_within_20_days")?,
    })
}

async fn read_fact(tx: &mut Tx, tip_id: &str) -> Result<Option<FactKeys>, StoreError> {
    tx.fetch_optional(SELECT_FACT, &[Val::Text(tip_id)])
        .await?
        .map(|row| fact_keys(&row))
        .transpose()
}

/// Runs a fact update and moves the fact's contribution in the counters accordingly.
pub(crate) async fn update_fact(
    tx: &mut Tx,
    tip_id: &str,
    update: Sql,
    args: &[Val<'_>],
) -> Result<(), StoreError> {
    let before = read_fact(tx, tip_id).await?;
    tx.execute(update, args).await?;
    let after = read_fact(tx, tip_id).await?;
    if before == after {
        return Ok(());
    }
    let mut deltas = Deltas::default();
    if let Some(before) = &before {
        deltas.remove(before);
    }
    if let Some(after) = &after {
        deltas.add(after);
    }
    deltas.apply(tx).await
}

/// A difference between the counters and a recount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterMismatch {
    pub table: &'static str,
    pub key: String,
    pub counted: i64,
    pub recounted: i64,
}

async fn keyed(store: &Store, sql: Sql) -> Result<BTreeMap<String, i64>, StoreError> {
    let rows = store.fetch_all(sql, &[]).await?;
    rows.iter().map(|r| Ok((r.at(0)?, r.at(1)?))).collect()
}

impl Store {
    /// Recounts every counter from the facts; returns the differences (none when all agree).
    pub async fn verify_counters(&self) -> Result<Vec<CounterMismatch>, StoreError> {
        let mut mismatches = Vec::new();
        for (table, counted, recount) in COMPARE {
            let counted = keyed(self, counted).await?;
            let recounted = keyed(self, recount).await?;
            let keys: std::collections::BTreeSet<&String> =
                counted.keys().chain(recounted.keys()).collect();
            for key in keys {
                let (a, b) = (
                    counted.get(key).copied().unwrap_or(0),
                    recounted.get(key).copied().unwrap_or(0),
                );
                if a != b {
                    mismatches.push(CounterMismatch {
                        table,
                        key: key.clone(),
                        counted: a,
                        recounted: b,
                    });
                }
            }
        }
        Ok(mismatches)
    }

    /// Replaces every counter with a recount from the facts (after a copy, or to repair).
    pub async fn rebuild_counters(&self) -> Result<(), StoreError> {
        retry(|| async {
            let mut tx = self.begin().await?;
            tx.mark_all_changed();
            for sql in CLEAR.into_iter().chain(REFILL) {
                tx.execute(sql, &[]).await?;
            }
            tx.commit().await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmed_outcomes_in_sql_are_the_domains() {
        use crate::domain::Code;
        let confirmed: Vec<String> = Outcome::all()
            .iter()
            .filter(|o| o.is_confirmed_case())
            .map(|o| format!("'{}'", o.code()))
            .collect();
        assert_eq!(confirmed!(), format!("({})", confirmed.join(", ")));
        let migration = include_str!("../../migrations/sqlite/0007_stat_counters.sql");
        assert!(
            migration.contains(&confirmed.join(", ")),
            "migration 0007 agrees"
        );
    }
}
