-- Cerulean schema v3 (PostgreSQL): devices, Windows Hello for Business keys and device
-- registration policies. Keep in step with migrations/sqlite/0003_devices.sql.
--
-- `display_name_lower` and `operating_system_lower` are the case-folded forms Graph's
-- `$filter` equality compares. Certificates and keys are DER bytes (BYTEA).

-- `device_id` (the certificate's CN) and `cert_thumbprint` are unique across the
-- deployment. `registration_fingerprint` is the DRS's hash of the request that created
-- or last re-keyed the device; unique per owner, so a retried request can never create a
-- second device. Its unique index (tenant_id, owner_user_id, …) also serves the
-- per-owner lookups and the quota count. Devices outlive their owner (owner_user_id
-- becomes NULL), as in Entra. `object_id` collates bytewise ("C"), so keyset paging
-- orders pages exactly as SQLite does. A row is about 2 kB (certificate and two keys),
-- just over PostgreSQL's default TOAST threshold; `toast_tuple_target` keeps it in the
-- heap page instead of compressing it and moving the certificate to the TOAST table on
-- every join.
CREATE TABLE devices (
    object_id                TEXT COLLATE "C" NOT NULL,
    device_id                TEXT    NOT NULL,
    tenant_id                TEXT    NOT NULL,
    display_name             TEXT    NOT NULL,
    display_name_lower       TEXT    NOT NULL,
    trust_type               TEXT    NOT NULL,
    operating_system         TEXT    NOT NULL,
    operating_system_lower   TEXT    NOT NULL,
    operating_system_version TEXT    NOT NULL,
    owner_user_id            TEXT,
    registered_at            BIGINT  NOT NULL,
    approximate_last_sign_in BIGINT,
    enabled                  BOOLEAN NOT NULL,
    cert_thumbprint          TEXT    NOT NULL,
    cert_der                 BYTEA   NOT NULL,
    cert_public_key_spki     BYTEA   NOT NULL,
    transport_key_spki       BYTEA   NOT NULL,
    registration_fingerprint TEXT,
    mdm_managed              BOOLEAN NOT NULL,
    mdm_compliant            BOOLEAN NOT NULL,
    mdm_app_id               TEXT,
    version                  BIGINT  NOT NULL,
    CONSTRAINT devices_pkey PRIMARY KEY (object_id),
    CONSTRAINT devices_device_id_key UNIQUE (device_id),
    CONSTRAINT devices_cert_thumbprint_key UNIQUE (cert_thumbprint),
    CONSTRAINT devices_fingerprint_key
        UNIQUE (tenant_id, owner_user_id, registration_fingerprint),
    CONSTRAINT devices_trust_type_check CHECK (trust_type IN ('AzureAd', 'Workplace')),
    CONSTRAINT devices_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT devices_owner_fkey FOREIGN KEY (owner_user_id)
        REFERENCES users (id) ON DELETE SET NULL
) WITH (toast_tuple_target = 4080);
CREATE INDEX devices_tenant_object ON devices (tenant_id, object_id);
CREATE INDEX devices_tenant_display_name ON devices (tenant_id, display_name_lower);

-- `key_hash` (base64 SHA-256 of the blob) is what PRT requests name the key by.
CREATE TABLE hello_keys (
    key_id           TEXT   NOT NULL,
    tenant_id        TEXT   NOT NULL,
    user_id          TEXT   NOT NULL,
    device_object_id TEXT COLLATE "C" NOT NULL,
    device_id        TEXT   NOT NULL,
    key_blob         BYTEA  NOT NULL,
    key_hash         TEXT   NOT NULL,
    public_key_spki  BYTEA  NOT NULL,
    created_at       BIGINT NOT NULL,
    CONSTRAINT hello_keys_pkey PRIMARY KEY (key_id),
    CONSTRAINT hello_keys_key_hash_key UNIQUE (tenant_id, key_hash),
    CONSTRAINT hello_keys_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT hello_keys_user_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT hello_keys_device_fkey FOREIGN KEY (device_object_id)
        REFERENCES devices (object_id) ON DELETE CASCADE
);
CREATE INDEX hello_keys_user ON hello_keys (tenant_id, user_id);
CREATE INDEX hello_keys_device ON hello_keys (device_object_id);

-- Graph's deviceRegistrationPolicy as serde_json; a tenant without a row has the
-- defaults.
CREATE TABLE device_registration_policies (
    tenant_id  TEXT   NOT NULL,
    policy     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT device_registration_policies_pkey PRIMARY KEY (tenant_id),
    CONSTRAINT device_registration_policies_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (id) ON DELETE CASCADE
);
