-- Sync with a hub (issue 15). A desk that is not enrolled has no row in sync_enrolment and works
-- exactly as before; nothing here changes a business table.

-- The hybrid logical clock reading of each change (JSON {"wall_ms","counter","desk"}), stamped in
-- the write transaction. NULL on changes made before this migration: they read as their `at`.
ALTER TABLE change_log ADD COLUMN hlc TEXT;

-- This desk's enrolment with a hub: at most one row.
CREATE TABLE sync_enrolment (
    id           INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    hub_url      TEXT NOT NULL,
    -- SHA-256 of the hub certificate's DER, hex: the only certificate this desk trusts.
    fingerprint  TEXT NOT NULL CHECK (length(fingerprint) = 64),
    group_id     TEXT NOT NULL,
    desk_id      TEXT NOT NULL,
    desk_name    TEXT NOT NULL,
    rooftop      TEXT NOT NULL,
    enrolled_at  TEXT NOT NULL,
    enrolled_by  TEXT NOT NULL
) STRICT;

-- Where this desk's sync stands: at most one row, created at enrolment.
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    -- Every change_log entry with seq <= pushed_seq has an answer from the hub.
    pushed_seq      INTEGER NOT NULL DEFAULT 0 CHECK (pushed_seq >= 0),
    -- Every hub change with cursor <= cursor is applied here.
    cursor          INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
    -- The last reading of this desk's hybrid logical clock (JSON), local or observed.
    hlc             TEXT,
    last_attempt_at TEXT,
    last_success_at TEXT,
    -- Set when a sync fails to reach the hub, cleared by the next success.
    offline_since   TEXT,
    last_error      TEXT
) STRICT;

-- The hub cursor of the version of each row this desk last applied or had acknowledged: the base
-- its next change of that row is made on.
CREATE TABLE sync_row_version (
    table_name TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    cursor     INTEGER NOT NULL,
    PRIMARY KEY (table_name, row_id)
) STRICT, WITHOUT ROWID;

-- Changes of this desk the hub did not take as they were (lost a race, or refused), and what the
-- hub holds instead, for a finance manager or admin to review.
CREATE TABLE sync_conflict (
    id           TEXT PRIMARY KEY NOT NULL,
    seq          INTEGER NOT NULL,
    table_name   TEXT NOT NULL,
    row_id       TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('conflict', 'rejected')),
    reason       TEXT NOT NULL,
    -- JSON: the row as this desk pushed it, and the hub's row (conflict only).
    ours         TEXT,
    theirs       TEXT,
    at           TEXT NOT NULL,
    resolved_at  TEXT,
    resolved_by  TEXT REFERENCES staff (id),
    resolution   TEXT
) STRICT;
CREATE INDEX sync_conflict_open ON sync_conflict (resolved_at, at);
