-- Same schema as migrations/sqlite/0007_stat_counters.sql; see the comments there.

-- Tips by month, region (the most specific one the tip named), category and channel.
CREATE TABLE stat_region (
    month     TEXT NOT NULL,
    region_id BIGINT NOT NULL,
    category  TEXT NOT NULL,
    channel   TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (month, region_id, category, channel)
);

-- Tips naming a school, by month and whether the tip closed as a confirmed case.
CREATE TABLE stat_school (
    month     TEXT NOT NULL,
    school_id BIGINT NOT NULL,
    confirmed BIGINT NOT NULL CHECK (confirmed IN (0, 1)),
    n         BIGINT NOT NULL,
    PRIMARY KEY (month, school_id, confirmed)
);

-- Tips by month, region and outcome.
CREATE TABLE stat_outcome (
    month     TEXT NOT NULL,
    region_id BIGINT NOT NULL,
    outcome   TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (month, region_id, outcome)
);

-- Tips by month, region and whether each step kept its deadline.
CREATE TABLE stat_timeliness (
    month      TEXT NOT NULL,
    region_id  BIGINT NOT NULL,
    classified BIGINT NOT NULL CHECK (classified IN (0, 1, 2)),
    decided    BIGINT NOT NULL CHECK (decided IN (0, 1, 2)),
    n          BIGINT NOT NULL,
    PRIMARY KEY (month, region_id, classified, decided)
);

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
