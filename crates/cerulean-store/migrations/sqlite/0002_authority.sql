-- Cerulean schema v2 (SQLite): the authority's state — signing keys, authorization codes,
-- refresh tokens, device codes, browser sessions and lockout counters. Keep in step with
-- migrations/postgres/0002_authority.sql.
--
-- Secrets (codes, tokens, session ids) are stored only as SHA-256 hashes. `auth` columns
-- hold the sign-in's AuthContext as serde_json; `tenant_id` / `user_id` beside them repeat
-- its ids for foreign keys, indexes and revocation. Rows are deleted by `purge_expired`
-- once `expires_at` has passed, which is what the `*_expires` indexes serve.

-- The private key is PKCS#8 PEM in the clear for now; encrypting it at rest (with a key
-- kept outside the database) is a later improvement.
CREATE TABLE signing_keys (
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kid             TEXT    NOT NULL,
    private_key_pem TEXT    NOT NULL,
    certificate_der BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    activates_at    INTEGER NOT NULL,
    retires_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kid)
) STRICT;
CREATE INDEX signing_keys_expires ON signing_keys (expires_at);

-- `used_at` is set by the first redemption; a later one is a replay.
CREATE TABLE authorization_codes (
    code_hash             TEXT    NOT NULL PRIMARY KEY,
    tenant_id             TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
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
    v2                    INTEGER NOT NULL CHECK (v2 IN (0, 1)),
    created_at            INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    used_at               INTEGER
) STRICT;
CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at);

-- Used and revoked tokens are kept until they expire, so presenting one again is
-- recognised as reuse and revokes its family.
CREATE TABLE refresh_tokens (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    family_id  TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    auth       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked    INTEGER NOT NULL CHECK (revoked IN (0, 1))
) STRICT;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (tenant_id, user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

-- `user_code` is unique among stored codes; inserting a code deletes expired codes with
-- the same user code first, so only live codes block reuse. `approval` holds the
-- approving sign-in's AuthContext while `state` is 'approved'.
CREATE TABLE device_codes (
    device_code_hash TEXT    NOT NULL PRIMARY KEY,
    user_code        TEXT    NOT NULL UNIQUE,
    tenant_hint      TEXT    NOT NULL,
    client_id        TEXT    NOT NULL,
    scope            TEXT,
    resource         TEXT,
    v2               INTEGER NOT NULL CHECK (v2 IN (0, 1)),
    state            TEXT    NOT NULL
                     CHECK (state IN ('pending', 'approved', 'denied', 'redeemed')),
    approval         TEXT,
    interval_secs    INTEGER NOT NULL,
    last_polled_at   INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX device_codes_expires ON device_codes (expires_at);

CREATE TABLE browser_sessions (
    session_hash TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      TEXT    NOT NULL,
    auth         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX browser_sessions_expires ON browser_sessions (expires_at);

-- Smart-lockout counters; a user without a row has the default (unlocked) state.
CREATE TABLE user_lockout (
    user_id         TEXT    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures        INTEGER NOT NULL,
    lockouts        INTEGER NOT NULL,
    locked_until    INTEGER,
    last_failure_at INTEGER
) STRICT;
