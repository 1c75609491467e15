-- Operations (issue 10): resend tokens, the retention purge, and how many data keys each
-- key-encryption key has wrapped. See the SQLite twin for the reasons.

CREATE TABLE resends (
    token_mac      BYTEA PRIMARY KEY,
    sealed_receipt BYTEA NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX resends_expiry ON resends(expires_at);

ALTER TABLE tips ADD COLUMN purged BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX tips_closed ON tips(closed_day) WHERE closed_day IS NOT NULL AND NOT purged;

CREATE TABLE kek_wraps (
    kek_id TEXT PRIMARY KEY,
    wraps  BIGINT NOT NULL
);
INSERT INTO kek_wraps (kek_id, wraps)
    SELECT kek_id, COUNT(*) FROM
        (SELECT kek_id FROM tips UNION ALL SELECT totp_kek_id AS kek_id FROM staff) AS k
    GROUP BY kek_id;
