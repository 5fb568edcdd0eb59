-- Cerulean schema v6 (PostgreSQL): Primary Refresh Tokens ([MS-OAPXBC], PROTOCOLS.md §5.3).
-- Keep in step with migrations/sqlite/0006_primary_refresh_tokens.sql.

-- One row per issued PRT, by the SHA-256 of the token (the token itself is never stored).
-- `session_key` is the PRT's session key sealed by the server (AES-256-GCM under the
-- server secret `prt-session-key-wrap`: nonce ‖ ciphertext ‖ tag); `amr` is a JSON array.
-- Times are unix microseconds.
CREATE TABLE primary_refresh_tokens (
    token_hash       TEXT    NOT NULL,
    tenant_id        TEXT    NOT NULL,
    user_id          TEXT    NOT NULL,
    device_object_id TEXT    NOT NULL,
    session_key      BYTEA   NOT NULL,
    amr              TEXT    NOT NULL,
    auth_time        BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL,
    revoked          BOOLEAN NOT NULL,
    CONSTRAINT primary_refresh_tokens_pkey PRIMARY KEY (token_hash),
    CONSTRAINT primary_refresh_tokens_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);

CREATE INDEX primary_refresh_tokens_expires ON primary_refresh_tokens (expires_at);
CREATE INDEX primary_refresh_tokens_user ON primary_refresh_tokens (tenant_id, user_id);
CREATE INDEX primary_refresh_tokens_device ON primary_refresh_tokens (device_object_id);
