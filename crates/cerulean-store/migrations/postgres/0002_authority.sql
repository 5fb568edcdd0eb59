-- Cerulean schema v2 (PostgreSQL): the authority's state — signing keys, authorization
-- codes, refresh tokens, device codes, browser sessions and lockout counters. Keep in step
-- with migrations/sqlite/0002_authority.sql.
--
-- Secrets (codes, tokens, session ids) are stored only as SHA-256 hashes. `auth` columns
-- hold the sign-in's AuthContext as serde_json; `tenant_id` / `user_id` beside them repeat
-- its ids for foreign keys, indexes and revocation. Rows are deleted by `purge_expired`
-- once `expires_at` has passed, which is what the `*_expires` indexes serve.

-- The private key is PKCS#8 PEM in the clear for now; encrypting it at rest (with a key
-- kept outside the database) is a later improvement.
CREATE TABLE signing_keys (
    tenant_id       TEXT   NOT NULL,
    kid             TEXT   NOT NULL,
    private_key_pem TEXT   NOT NULL,
    certificate_der BYTEA  NOT NULL,
    created_at      BIGINT NOT NULL,
    activates_at    BIGINT NOT NULL,
    retires_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    CONSTRAINT signing_keys_pkey PRIMARY KEY (tenant_id, kid),
    CONSTRAINT signing_keys_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX signing_keys_expires ON signing_keys (expires_at);

-- `used_at` is set by the first redemption; a later one is a replay.
CREATE TABLE authorization_codes (
    code_hash             TEXT    NOT NULL,
    tenant_id             TEXT    NOT NULL,
    user_id               TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    redirect_uri          TEXT    NOT NULL,
    scope                 TEXT,
    resource              TEXT,
    nonce                 TEXT,
    code_challenge        TEXT,
    code_challenge_method TEXT,
    auth                  TEXT    NOT NULL,
    family_id             TEXT    NOT NULL,
    v2                    BOOLEAN NOT NULL,
    created_at            BIGINT  NOT NULL,
    expires_at            BIGINT  NOT NULL,
    used_at               BIGINT,
    CONSTRAINT authorization_codes_pkey PRIMARY KEY (code_hash),
    CONSTRAINT authorization_codes_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at);

-- Used and revoked tokens are kept until they expire, so presenting one again is
-- recognised as reuse and revokes its family.
CREATE TABLE refresh_tokens (
    token_hash TEXT    NOT NULL,
    family_id  TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    auth       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT,
    revoked    BOOLEAN NOT NULL,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (token_hash),
    CONSTRAINT refresh_tokens_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (tenant_id, user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

-- `user_code` is unique among stored codes; inserting a code deletes expired codes with
-- the same user code first, so only live codes block reuse. `approval` holds the
-- approving sign-in's AuthContext while `state` is 'approved'.
CREATE TABLE device_codes (
    device_code_hash TEXT    NOT NULL,
    user_code        TEXT    NOT NULL,
    tenant_hint      TEXT    NOT NULL,
    client_id        TEXT    NOT NULL,
    scope            TEXT,
    resource         TEXT,
    v2               BOOLEAN NOT NULL,
    state            TEXT    NOT NULL,
    approval         TEXT,
    interval_secs    BIGINT  NOT NULL,
    last_polled_at   BIGINT,
    created_at       BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL,
    CONSTRAINT device_codes_pkey PRIMARY KEY (device_code_hash),
    CONSTRAINT device_codes_user_code_key UNIQUE (user_code),
    CONSTRAINT device_codes_state_check
        CHECK (state IN ('pending', 'approved', 'denied', 'redeemed'))
);
CREATE INDEX device_codes_expires ON device_codes (expires_at);

CREATE TABLE browser_sessions (
    session_hash TEXT   NOT NULL,
    tenant_id    TEXT   NOT NULL,
    user_id      TEXT   NOT NULL,
    auth         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    CONSTRAINT browser_sessions_pkey PRIMARY KEY (session_hash),
    CONSTRAINT browser_sessions_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX browser_sessions_expires ON browser_sessions (expires_at);

-- Smart-lockout counters; a user without a row has the default (unlocked) state.
CREATE TABLE user_lockout (
    user_id         TEXT   NOT NULL,
    failures        BIGINT NOT NULL,
    lockouts        BIGINT NOT NULL,
    locked_until    BIGINT,
    last_failure_at BIGINT,
    CONSTRAINT user_lockout_pkey PRIMARY KEY (user_id),
    CONSTRAINT user_lockout_user_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);
