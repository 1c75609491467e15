-- Which keys this database belongs to (SECURITY.md R35). Startup refuses keys whose
-- fingerprints differ from the ones recorded here (a receipt pepper from another installation
-- would make every old receipt "unknown"), and `keys/installation` names the installation id
-- below, so that keys which have served a database refuse to start beside an empty one.
-- A fingerprint is HMAC-SHA256(key, fixed label): it identifies a key and reveals nothing of it.

CREATE TABLE installation (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id        TEXT NOT NULL
);

-- One row per key: `receipt-pepper`, and `kek-<id>` for each key-encryption key ever loaded.
CREATE TABLE key_fingerprints (
    purpose     TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL
);
