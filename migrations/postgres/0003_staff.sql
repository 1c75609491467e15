-- Same schema as migrations/sqlite/0003_staff.sql; see the comments there.
CREATE TABLE staff (
    id               BIGSERIAL PRIMARY KEY,
    username         TEXT NOT NULL UNIQUE,
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    totp_kek_id      TEXT NOT NULL,
    totp_wrapped_dek BYTEA NOT NULL,
    totp_secret      BYTEA NOT NULL,
    totp_last_step   BIGINT NOT NULL DEFAULT 0,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE staff_scope (
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('region', 'school')),
    ref_id   BIGINT NOT NULL,
    PRIMARY KEY (staff_id, kind, ref_id)
);

CREATE TABLE sessions (
    id_hash    BYTEA PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL
);
CREATE INDEX sessions_staff ON sessions(staff_id);

ALTER TABLE tips ADD COLUMN received_day TEXT NOT NULL DEFAULT '';
ALTER TABLE tips ADD COLUMN due_day TEXT NOT NULL DEFAULT '';
ALTER TABLE tips ADD COLUMN assignee_id BIGINT REFERENCES staff(id);
ALTER TABLE tips ADD COLUMN outcome TEXT;
ALTER TABLE tips ADD COLUMN tipster_result TEXT;
ALTER TABLE tips ADD COLUMN extensions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tips ADD COLUMN closed_day TEXT;
UPDATE tips SET received_day = created_month || '-01';
UPDATE tips SET due_day = CASE status
    WHEN 'closed' THEN '9999-12-31'
    WHEN 'new' THEN to_char(received_day::date + 1, 'YYYY-MM-DD')
    WHEN 'assigned' THEN to_char(received_day::date + 20, 'YYYY-MM-DD')
    ELSE to_char(received_day::date + 3, 'YYYY-MM-DD') END;
CREATE INDEX tips_queue ON tips(urgent, due_day, id);

CREATE TABLE notes (
    id     TEXT PRIMARY KEY,
    tip_id TEXT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
    kind   TEXT NOT NULL CHECK (kind IN ('note', 'extension')),
    body   BYTEA NOT NULL
);
CREATE INDEX notes_tip ON notes(tip_id);

ALTER TABLE tip_facts ADD COLUMN status TEXT NOT NULL DEFAULT 'new';
ALTER TABLE tip_facts ADD COLUMN outcome TEXT;
ALTER TABLE tip_facts ADD COLUMN classified_on_time BOOLEAN;
ALTER TABLE tip_facts ADD COLUMN decided_within_20_days BOOLEAN;
UPDATE tip_facts SET status = tips.status FROM tips WHERE tips.id = tip_facts.tip_id;

CREATE TABLE audit_events (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    tip_id    TEXT,
    subject   TEXT,
    prev_hash BYTEA NOT NULL,
    hash      BYTEA NOT NULL
);
CREATE INDEX audit_tip ON audit_events(tip_id);
