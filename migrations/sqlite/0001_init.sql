-- Regions: province → district → commune. Editable data, seeded from seed/regions.csv.
CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES regions(id),
    border_area INTEGER NOT NULL DEFAULT 0 CHECK (border_area IN (0, 1))
) STRICT;

CREATE TABLE schools (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    level     TEXT NOT NULL,
    region_id INTEGER NOT NULL REFERENCES regions(id),
    sample    INTEGER NOT NULL DEFAULT 0 CHECK (sample IN (0, 1)),
    active    INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX schools_region ON schools(region_id);

-- Tips. Everything a tipster typed is inside `content`, sealed with the tip's data key.
-- The receipt exists here only as lookup_id = HMAC(receipt_pepper, receipt).
-- No creation timestamp in clear: only the month (SECURITY.md P1). WITHOUT ROWID, here and
-- below: a rowid would record insertion order, which lined up with any timestamped record of
-- submissions (a proxy log, say) would give each tip's exact time. Rows are kept in the order
-- of their random ids instead.
CREATE TABLE tips (
    id             TEXT PRIMARY KEY,
    lookup_id      BLOB NOT NULL UNIQUE,
    kek_id         TEXT NOT NULL,
    wrapped_dek    BLOB NOT NULL,
    content        BLOB NOT NULL,
    category       TEXT NOT NULL,
    region_id      INTEGER REFERENCES regions(id),
    school_id      INTEGER REFERENCES schools(id),
    urgent         INTEGER NOT NULL CHECK (urgent IN (0, 1)),
    involves_staff INTEGER NOT NULL CHECK (involves_staff IN (0, 1)),
    channel        TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'new',
    created_month  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX tips_kek ON tips(kek_id);

-- Messages between tipster and staff; the body (and its time) is sealed with the tip's key.
CREATE TABLE messages (
    id     TEXT PRIMARY KEY,
    tip_id TEXT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('tipster', 'staff')),
    body   BLOB NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX messages_tip ON messages(tip_id);

-- Content-free facts for statistics. They outlive the purge of tip content, so no foreign key.
CREATE TABLE tip_facts (
    tip_id    TEXT PRIMARY KEY,
    month     TEXT NOT NULL,
    region_id INTEGER,
    school_id INTEGER,
    category  TEXT NOT NULL,
    channel   TEXT NOT NULL,
    urgent    INTEGER NOT NULL CHECK (urgent IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX tip_facts_month ON tip_facts(month);
