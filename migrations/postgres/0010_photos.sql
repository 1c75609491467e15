-- Photos a tipster attached to a tip (issue 18, SECURITY.md R19): re-encoded on the server
-- with no metadata, then sealed with the tip's data key and padded to a size bucket, so the
-- row shows neither the picture nor its exact size. At most a few per tip (the service caps
-- it); gone with the tip's content at the retention purge.
CREATE TABLE photos (
    id     TEXT PRIMARY KEY,
    tip_id TEXT NOT NULL REFERENCES tips(id) ON DELETE CASCADE,
    body   BYTEA NOT NULL
);
CREATE INDEX photos_tip ON photos(tip_id);
