-- Cerulean schema v6 (SQLite): Primary Refresh Tokens ([MS-OAPXBC], PROTOCOLS.md §5.3).
-- Keep in step with migrations/postgres/0006_primary_refresh_tokens.sql.

-- One row per issued PRT, by the SHA-256 of the token (the token itself is never stored).
-- `session_key` is the PRT's session key sealed by the server (AES-256-GCM under the
-- server secret `prt-session-key-wrap`: nonce ‖ ciphertext ‖ tag); `amr` is a JSON array.
-- Times are unix microseconds.
CREATE TABLE primary_refresh_tokens (
    token_hash       TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id          TEXT    NOT NULL,
    device_object_id TEXT    NOT NULL,
    session_key      BLOB    NOT NULL,
    amr              TEXT    NOT NULL,
    auth_time        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    revoked          INTEGER NOT NULL
) STRICT;

CREATE INDEX primary_refresh_tokens_expires ON primary_refresh_tokens (expires_at);
CREATE INDEX primary_refresh_tokens_user ON primary_refresh_tokens (tenant_id, user_id);
CREATE INDEX primary_refresh_tokens_device ON primary_refresh_tokens (device_object_id);
