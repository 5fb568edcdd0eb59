-- Cerulean schema v5 (SQLite): the single-use guard for signed nonces.
-- Keep in step with migrations/postgres/0005_used_nonces.sql.

-- One row per nonce that has been used (PRT `request_nonce`, PROTOCOLS.md §5.1), by the
-- SHA-256 of its bytes; a second use finds the row (INSERT … ON CONFLICT DO NOTHING
-- affects nothing). `expires_at` is when the nonce itself stops verifying, after which
-- `purge_expired` deletes the row.
CREATE TABLE used_nonces (
    nonce_hash TEXT    NOT NULL PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX used_nonces_expires_at ON used_nonces (expires_at);
