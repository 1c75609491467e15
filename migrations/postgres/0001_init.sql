-- Same schema as migrations/sqlite/0001_init.sql; see the comments there.
-- PostgreSQL keeps no row order we can hide the way SQLite's WITHOUT ROWID does: heap order and
-- xmin reflect insertion order. Keep track_commit_timestamp off (the default), or commit times
-- of every row are recorded; the README says so.
CREATE TABLE regions (
    id          BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_id   BIGINT REFERENCES regions(id),
    border_area BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE schools (
    id        BIGSERIAL PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    level     TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    sample    BOOLEAN NOT NULL DEFAULT FALSE,
    active    BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX schools_region ON schools(region_id);

CREATE TABLE tips (
    id             TEXT PRIMARY KEY,
    lookup_id      BYTEA NOT NULL UNIQUE,
    kek_id         TEXT NOT NULL,
    wrapped_dek    BYTEA NOT NULL,
    content        BYTEA NOT NULL,
    category       TEXT NOT NULL,
    region_id      BIGINT REFERENCES regions(id),
    school_id      BIGINT REFERENCES schools(id),
    urgent         BOOLEAN NOT NULL,
    involves_staff BOOLEAN NOT NULL,
    channel        TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'new',
    created_month  TEXT NOT NULL
);
CREATE INDEX tips_kek ON tips(kek_id);

CREATE TABLE messages (
    id     TEXT PRIMARY KEY,
    tip_id TEXT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('tipster', 'staff')),
    body   BYTEA NOT NULL
);
CREATE INDEX messages_tip ON messages(tip_id);

CREATE TABLE tip_facts (
    tip_id    TEXT PRIMARY KEY,
    month     TEXT NOT NULL,
    region_id BIGINT,
    school_id BIGINT,
    category  TEXT NOT NULL,
    channel   TEXT NOT NULL,
    urgent    BOOLEAN NOT NULL
);
CREATE INDEX tip_facts_month ON tip_facts(month);
