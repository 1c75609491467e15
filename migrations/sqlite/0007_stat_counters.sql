-- Pre-aggregated counters for statistics (issue 9): kept up to date in the same transaction
-- as each fact insert and update (store/stats.rs), so that tables and reports read a few
-- thousand counter rows instead of grouping every fact. `tipline stats verify` recounts them
-- from tip_facts.
--
-- One table per family of published tables, keyed by the dimensions those tables need. Key
-- columns are never NULL (a NULL key would defeat ON CONFLICT): region_id 0 = no region,
-- outcome '' = still open, timeliness 0 = late, 1 = in time, 2 = not known yet. Months only,
-- as in the facts (SECURITY.md P1). Rows whose count falls to 0 stay; they publish nothing.

-- Tips by month, region (the most specific one the tip named), category and channel.
CREATE TABLE stat_region (
    month     TEXT NOT NULL,
    region_id INTEGER NOT NULL,
    category  TEXT NOT NULL,
    channel   TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (month, region_id, category, channel)
) STRICT, WITHOUT ROWID;

-- Tips naming a school, by month and whether the tip closed as a confirmed case.
CREATE TABLE stat_school (
    month     TEXT NOT NULL,
    school_id INTEGER NOT NULL,
    confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    n         INTEGER NOT NULL,
    PRIMARY KEY (month, school_id, confirmed)
) STRICT, WITHOUT ROWID;

-- Tips by month, region and outcome.
CREATE TABLE stat_outcome (
    month     TEXT NOT NULL,
    region_id INTEGER NOT NULL,
    outcome   TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (month, region_id, outcome)
) STRICT, WITHOUT ROWID;

-- Tips by month, region and whether each step kept its deadline.
CREATE TABLE stat_timeliness (
    month      TEXT NOT NULL,
    region_id  INTEGER NOT NULL,
    classified INTEGER NOT NULL CHECK (classified IN (0, 1, 2)),
    decided    INTEGER NOT NULL CHECK (decided IN (0, 1, 2)),
    n          INTEGER NOT NULL,
    PRIMARY KEY (month, region_id, classified, decided)
) STRICT, WITHOUT ROWID;

INSERT INTO stat_region (month, region_id, category, channel, n)
    SELECT month, COALESCE(region_id, 0), category, channel, COUNT(*) FROM tip_facts
    GROUP BY month, COALESCE(region_id, 0), category, channel;
INSERT INTO stat_school (month, school_id, confirmed, n)
    SELECT month, school_id,
        CASE WHEN outcome IN ('confirmed_use', 'confirmed_dealing', 'hotspot_dismantled', 'cultivation_destroyed')
        THEN 1 ELSE 0 END, COUNT(*)
    FROM tip_facts WHERE school_id IS NOT NULL
    GROUP BY 1, 2, 3;
INSERT INTO stat_outcome (month, region_id, outcome, n)
    SELECT month, COALESCE(region_id, 0), COALESCE(outcome, ''), COUNT(*) FROM tip_facts
    GROUP BY 1, 2, 3;
INSERT INTO stat_timeliness (month, region_id, classified, decided, n)
    SELECT month, COALESCE(region_id, 0),
        CASE WHEN classified_on_time IS NULL THEN 2 WHEN classified_on_time THEN 1 ELSE 0 END,
        CASE WHEN decided_within_20_days IS NULL THEN 2 WHEN decided_within_20_days THEN 1
            ELSE 0 END,
        COUNT(*) FROM tip_facts
    GROUP BY 1, 2, 3, 4;
