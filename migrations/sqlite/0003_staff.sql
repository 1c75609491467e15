-- The staff side: accounts, sessions, the triage state of each tip, internal notes, and the
-- hash-chained audit trail. (0002 is the 2025 region tree.)

-- Staff accounts. The TOTP secret is sealed like tip content: a data key per account, wrapped
-- by the primary key-encryption key, with the username as the record id in the associated data.
CREATE TABLE staff (
    id               INTEGER PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE,
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    totp_kek_id      TEXT NOT NULL,
    totp_wrapped_dek BLOB NOT NULL,
    totp_secret      BLOB NOT NULL,
    -- The last TOTP time step accepted: a code is good once (SECURITY.md R7).
    totp_last_step   INTEGER NOT NULL DEFAULT 0,
    disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

-- Where each account works: regions at any level, and schools for liaisons and heads.
CREATE TABLE staff_scope (
    staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('region', 'school')),
    ref_id   INTEGER NOT NULL,
    PRIMARY KEY (staff_id, kind, ref_id)
) STRICT, WITHOUT ROWID;

-- Sessions by the SHA-256 of their 256-bit random id: a copy of the database cannot log in.
-- Times are unix seconds of staff activity (never a tipster's).
CREATE TABLE sessions (
    id_hash    BLOB PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_staff ON sessions(staff_id);

-- Triage state. A tip may hold the local day it arrived, because the law's deadlines are
-- counted in days (DESIGN.md); never a finer time. Tips stored before this migration get the
-- first day of their month. `due_day` is the deadline of the current step ('9999-12-31' once
-- closed), so the queue sorts on a column.
ALTER TABLE tips ADD COLUMN received_day TEXT NOT NULL DEFAULT '';
ALTER TABLE tips ADD COLUMN due_day TEXT NOT NULL DEFAULT '';
ALTER TABLE tips ADD COLUMN assignee_id INTEGER REFERENCES staff(id);
ALTER TABLE tips ADD COLUMN outcome TEXT;
ALTER TABLE tips ADD COLUMN tipster_result TEXT;
ALTER TABLE tips ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tips ADD COLUMN closed_day TEXT;
UPDATE tips SET received_day = created_month || '-01';
UPDATE tips SET due_day = CASE status
    WHEN 'closed' THEN '9999-12-31'
    WHEN 'new' THEN date(received_day, '+1 day')
    WHEN 'assigned' THEN date(received_day, '+20 days')
    ELSE date(received_day, '+3 days') END;
CREATE INDEX tips_queue ON tips(urgent, due_day, id);

-- Internal notes and extension reasons: staff only, sealed with the tip's data key.
CREATE TABLE notes (
    id       TEXT PRIMARY KEY,
    tip_id   TEXT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('note', 'extension')),
    body     BLOB NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX notes_tip ON notes(tip_id);

-- Facts learn how a tip ended and whether its steps kept the deadlines: codes and booleans,
-- no instants.
ALTER TABLE tip_facts ADD COLUMN status TEXT NOT NULL DEFAULT 'new';
ALTER TABLE tip_facts ADD COLUMN outcome TEXT;
ALTER TABLE tip_facts ADD COLUMN classified_on_time INTEGER;
ALTER TABLE tip_facts ADD COLUMN decided_within_20_days INTEGER;
UPDATE tip_facts SET status = (SELECT status FROM tips WHERE tips.id = tip_facts.tip_id)
    WHERE EXISTS (SELECT 1 FROM tips WHERE tips.id = tip_facts.tip_id);

-- The audit trail: one row per staff action, each hashing the one before, so that editing,
-- deleting or reordering a row breaks the chain (`tipline audit verify`). No tip content.
CREATE TABLE audit_events (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    tip_id    TEXT,
    subject   TEXT,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
) STRICT;
CREATE INDEX audit_tip ON audit_events(tip_id);
