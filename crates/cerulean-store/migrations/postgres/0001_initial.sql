-- Cerulean schema v1 (PostgreSQL). Keep in step with migrations/sqlite/0001_initial.sql:
-- the same tables, columns and constraints, in PostgreSQL's types.
--
-- Conventions: ids are TEXT holding lower-case hyphenated GUIDs; times are BIGINT unix
-- microseconds (UTC); JSON-shaped fields are TEXT holding serde_json. Constraints are
-- named `<table>_…` because the store maps unique violations to what was duplicated by
-- table and constraint name.

CREATE TABLE tenants (
    id             TEXT   NOT NULL,
    display_name   TEXT   NOT NULL,
    initial_domain TEXT   NOT NULL,
    branding       TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    CONSTRAINT tenants_pkey PRIMARY KEY (id)
);

-- Domain names are stored lower-case and are unique across the deployment: a domain
-- names exactly one tenant.
CREATE TABLE domains (
    name        TEXT    NOT NULL,
    tenant_id   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    is_initial  BOOLEAN NOT NULL,
    created_at  BIGINT  NOT NULL,
    CONSTRAINT domains_pkey PRIMARY KEY (name),
    CONSTRAINT domains_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE INDEX domains_tenant ON domains (tenant_id);

-- `upn` as entered; `upn_lower` is its case-folded form, unique across tenants.
CREATE TABLE users (
    id                  TEXT    NOT NULL,
    tenant_id           TEXT    NOT NULL,
    upn                 TEXT    NOT NULL,
    upn_lower           TEXT    NOT NULL,
    display_name        TEXT    NOT NULL,
    enabled             BOOLEAN NOT NULL,
    password_hash       TEXT,
    password_changed_at BIGINT,
    roles               TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    version             BIGINT  NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_upn_lower_key UNIQUE (upn_lower),
    CONSTRAINT users_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE INDEX users_tenant_upn ON users (tenant_id, upn_lower);

CREATE TABLE groups (
    id           TEXT   NOT NULL,
    tenant_id    TEXT   NOT NULL,
    display_name TEXT   NOT NULL,
    description  TEXT,
    created_at   BIGINT NOT NULL,
    CONSTRAINT groups_pkey PRIMARY KEY (id),
    CONSTRAINT groups_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);
CREATE INDEX groups_tenant ON groups (tenant_id);

-- Members are users, devices or groups; `member_id` is not a foreign key because it
-- points into one of several tables.
CREATE TABLE group_members (
    tenant_id   TEXT   NOT NULL,
    group_id    TEXT   NOT NULL,
    member_kind TEXT   NOT NULL,
    member_id   TEXT   NOT NULL,
    added_at    BIGINT NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (group_id, member_kind, member_id),
    CONSTRAINT group_members_kind_check CHECK (member_kind IN ('user', 'device', 'group')),
    CONSTRAINT group_members_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT group_members_group_fkey FOREIGN KEY (group_id) REFERENCES groups (id)
);
CREATE INDEX group_members_member ON group_members (tenant_id, member_kind, member_id);

CREATE TABLE applications (
    tenant_id       TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    first_party     BOOLEAN NOT NULL,
    public_client   BOOLEAN NOT NULL,
    redirect_uris   TEXT    NOT NULL,
    identifier_uris TEXT    NOT NULL,
    scopes          TEXT    NOT NULL,
    secrets         TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    version         BIGINT  NOT NULL,
    CONSTRAINT applications_pkey PRIMARY KEY (tenant_id, client_id),
    CONSTRAINT applications_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
);

-- `tenant_id` deliberately has no foreign key: the audit trail must outlive what it
-- describes and must be writable for events about tenants that do not exist (a sign-in
-- attempt against an unknown tenant). `seq` orders events written in the same
-- microsecond.
CREATE TABLE audit_events (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY,
    id             TEXT   NOT NULL,
    time           BIGINT NOT NULL,
    tenant_id      TEXT,
    actor          TEXT   NOT NULL,
    action         TEXT   NOT NULL,
    target         TEXT   NOT NULL,
    correlation_id TEXT,
    result         TEXT   NOT NULL,
    details        TEXT   NOT NULL,
    CONSTRAINT audit_events_pkey PRIMARY KEY (seq),
    CONSTRAINT audit_events_id_key UNIQUE (id)
);
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, time DESC);
CREATE INDEX audit_events_time ON audit_events (time DESC);
