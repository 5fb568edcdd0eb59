-- Cerulean schema v4 (SQLite): each tenant's device CA, and secrets every node shares.
-- Keep in step with migrations/postgres/0004_device_ca.sql.

-- One device CA per tenant (PROTOCOLS.md §4.6), created on the first join. Nodes that
-- create one at the same moment insert with ON CONFLICT DO NOTHING and all use the row
-- that won. The private key is PEM PKCS#8, stored as is like the token-signing keys.
CREATE TABLE tenant_device_cas (
    tenant_id  TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    cert_pem   TEXT    NOT NULL,
    key_pem    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Secrets shared by every node and created once (e.g. `drs.nonce.hmac`, the key that
-- signs DRS nonces), by name; first insert wins as above.
CREATE TABLE server_secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
