-- Cerulean schema v3 (SQLite): devices, Windows Hello for Business keys and device
-- registration policies. Keep in step with migrations/postgres/0003_devices.sql.
--
-- `display_name_lower` and `operating_system_lower` are the case-folded forms Graph's
-- `$filter` equality compares. Certificates and keys are DER bytes (BLOB).

-- `device_id` (the certificate's CN) and `cert_thumbprint` are unique across the
-- deployment. `registration_fingerprint` is the DRS's hash of the request that created
-- or last re-keyed the device; unique per owner, so a retried request can never create a
-- second device. Its unique index (tenant_id, owner_user_id, …) also serves the
-- per-owner lookups and the quota count. Devices outlive their owner (owner_user_id
-- becomes NULL), as in Entra.
CREATE TABLE devices (
    object_id                TEXT    NOT NULL PRIMARY KEY,
    device_id                TEXT    NOT NULL UNIQUE,
    tenant_id                TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    display_name             TEXT    NOT NULL,
    display_name_lower       TEXT    NOT NULL,
    trust_type               TEXT    NOT NULL CHECK (trust_type IN ('AzureAd', 'Workplace')),
    operating_system         TEXT    NOT NULL,
    operating_system_lower   TEXT    NOT NULL,
    operating_system_version TEXT    NOT NULL,
    owner_user_id            TEXT    REFERENCES users (id) ON DELETE SET NULL,
    registered_at            INTEGER NOT NULL,
    approximate_last_sign_in INTEGER,
    enabled                  INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    cert_thumbprint          TEXT    NOT NULL UNIQUE,
    cert_der                 BLOB    NOT NULL,
    cert_public_key_spki     BLOB    NOT NULL,
    transport_key_spki       BLOB    NOT NULL,
    registration_fingerprint TEXT,
    mdm_managed              INTEGER NOT NULL CHECK (mdm_managed IN (0, 1)),
    mdm_compliant            INTEGER NOT NULL CHECK (mdm_compliant IN (0, 1)),
    mdm_app_id               TEXT,
    version                  INTEGER NOT NULL,
    UNIQUE (tenant_id, owner_user_id, registration_fingerprint)
) STRICT;
CREATE INDEX devices_tenant_object ON devices (tenant_id, object_id);
CREATE INDEX devices_tenant_display_name ON devices (tenant_id, display_name_lower);

-- `key_hash` (base64 SHA-256 of the blob) is what PRT requests name the key by.
CREATE TABLE hello_keys (
    key_id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id          TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_object_id TEXT    NOT NULL REFERENCES devices (object_id) ON DELETE CASCADE,
    device_id        TEXT    NOT NULL,
    key_blob         BLOB    NOT NULL,
    key_hash         TEXT    NOT NULL,
    public_key_spki  BLOB    NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (tenant_id, key_hash)
) STRICT;
CREATE INDEX hello_keys_user ON hello_keys (tenant_id, user_id);
CREATE INDEX hello_keys_device ON hello_keys (device_object_id);

-- Graph's deviceRegistrationPolicy as serde_json; a tenant without a row has the
-- defaults.
CREATE TABLE device_registration_policies (
    tenant_id  TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    policy     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
