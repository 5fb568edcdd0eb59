-- Cerulean schema v1 (SQLite). Keep in step with migrations/postgres/0001_initial.sql:
-- the same tables, columns and constraints, in SQLite's types.
--
-- Conventions: ids are TEXT holding lower-case hyphenated GUIDs; times are INTEGER unix
-- microseconds (UTC); JSON-shaped fields are TEXT holding serde_json; booleans are
-- INTEGER 0/1. Tables are STRICT so a wrongly typed value is an error, not a surprise.

CREATE TABLE tenants (
    id             TEXT    NOT NULL PRIMARY KEY,
    display_name   TEXT    NOT NULL,
    initial_domain TEXT    NOT NULL,
    branding       TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;

-- Domain names are stored lower-case and are unique across the deployment: a domain
-- names exactly one tenant.
CREATE TABLE domains (
    name        TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    kind        TEXT    NOT NULL,
    is_initial  INTEGER NOT NULL CHECK (is_initial IN (0, 1)),
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX domains_tenant ON domains (tenant_id);

-- `upn` as entered; `upn_lower` is its case-folded form, unique across tenants.
CREATE TABLE users (
    id                  TEXT    NOT NULL PRIMARY KEY,
    tenant_id           TEXT    NOT NULL REFERENCES tenants (id),
    upn                 TEXT    NOT NULL,
    upn_lower           TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    enabled             INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    password_hash       TEXT,
    password_changed_at INTEGER,
    roles               TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL
) STRICT;
CREATE INDEX users_tenant_upn ON users (tenant_id, upn_lower);

CREATE TABLE groups (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    display_name TEXT    NOT NULL,
    description  TEXT,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX groups_tenant ON groups (tenant_id);

-- Members are users, devices or groups; `member_id` is not a foreign key because it
-- points into one of several tables.
CREATE TABLE group_members (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    group_id    TEXT    NOT NULL REFERENCES groups (id),
    member_kind TEXT    NOT NULL CHECK (member_kind IN ('user', 'device', 'group')),
    member_id   TEXT    NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_kind, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_member ON group_members (tenant_id, member_kind, member_id);

CREATE TABLE applications (
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
    client_id       TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    first_party     INTEGER NOT NULL CHECK (first_party IN (0, 1)),
    public_client   INTEGER NOT NULL CHECK (public_client IN (0, 1)),
    redirect_uris   TEXT    NOT NULL,
    identifier_uris TEXT    NOT NULL,
    scopes          TEXT    NOT NULL,
    secrets         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, client_id)
) STRICT;

-- `tenant_id` deliberately has no foreign key: the audit trail must outlive what it
-- describes and must be writable for events about tenants that do not exist (a sign-in
-- attempt against an unknown tenant). `seq` orders events written in the same
-- microsecond.
CREATE TABLE audit_events (
    seq            INTEGER NOT NULL PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    time           INTEGER NOT NULL,
    tenant_id      TEXT,
    actor          TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target         TEXT    NOT NULL,
    correlation_id TEXT,
    result         TEXT    NOT NULL,
    details        TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, time DESC);
CREATE INDEX audit_events_time ON audit_events (time DESC);
