-- Operations (issue 10): resend tokens, the retention purge, and how many data keys each
-- key-encryption key has wrapped.

-- A resent tip form gets its first receipt back (SECURITY.md R38). Only HMAC(resend key, token)
-- and the receipt sealed under a key derived from the token are kept, for about an hour. The
-- expiry is rounded up to ten minutes, so it tells no finer time than that, and nothing here
-- names the tip.
CREATE TABLE resends (
    token_mac      BLOB PRIMARY KEY,
    sealed_receipt BLOB NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX resends_expiry ON resends(expires_at);

-- Retention (R20): the content of a tip closed long enough ago is emptied; the row, its facts
-- and the audit trail stay, so that the tipster's follow-up can say "closed, content removed".
ALTER TABLE tips ADD COLUMN purged INTEGER NOT NULL DEFAULT 0 CHECK (purged IN (0, 1));
CREATE INDEX tips_closed ON tips(closed_day) WHERE closed_day IS NOT NULL AND purged = 0;

-- R16: AES-GCM with random nonces stays safe for well under 2^32 messages per key. Every wrap
-- of a data key is counted against its key-encryption key, so that `keys check` warns and the
-- server refuses to keep wrapping long before the bound.
CREATE TABLE kek_wraps (
    kek_id TEXT PRIMARY KEY,
    wraps  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO kek_wraps (kek_id, wraps)
    SELECT kek_id, COUNT(*) FROM
        (SELECT kek_id FROM tips UNION ALL SELECT totp_kek_id AS kek_id FROM staff)
    GROUP BY kek_id;
