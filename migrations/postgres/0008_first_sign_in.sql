-- First sign-in (SECURITY.md R6): an account whose password and authenticator key someone else
-- set (created by an admin or by `tipline staff add`, or 2FA reset by an admin) must choose its
-- own password and enrol a fresh key, shown only to its owner, before anything else works.
-- Accounts from before this migration were all set up that way, so they are flagged too.
ALTER TABLE staff ADD COLUMN must_enrol BOOLEAN NOT NULL DEFAULT TRUE;
