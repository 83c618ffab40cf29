-- DealerDesk foundation schema.
-- Conventions (see DESIGN.md §4): ids are UUIDv7 text; times are UTC RFC 3339 text; dates are
-- ISO 8601; money is INTEGER cents, never REAL. Every business row carries created_at/updated_at,
-- the desk (device) that last wrote it and the change_log sequence of its last change, so a
-- dealer group can later sync desks to a central hub. Deletes are tombstones (deleted_at).

-- Facts about this database file: device id, demo flag, key check value, audit head seal, settings.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- Local change journal, appended in the same transaction as every business write (sync outbox).
CREATE TABLE change_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    table_name TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    device_id  TEXT NOT NULL,
    at         TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id               TEXT PRIMARY KEY NOT NULL,
    -- NOCASE: "JSmith" and "jsmith" are the same person at sign-in.
    username         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('sales', 'finance_manager', 'admin')),
    password_hash    TEXT NOT NULL,
    -- TOTP secrets are AEAD-encrypted like PII; NULL until enrolment is confirmed.
    totp_secret_enc  TEXT,
    totp_pending_enc TEXT,
    -- Last accepted TOTP time step: a code is never accepted twice.
    totp_last_step   INTEGER,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    change_seq       INTEGER NOT NULL
) STRICT;

-- Desk sessions. Only the SHA-256 of the bearer token is stored.
CREATE TABLE session (
    id           TEXT PRIMARY KEY NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    stage        TEXT NOT NULL CHECK (stage IN ('mfa_pending', 'enrolment_pending', 'active', 'locked', 'ended')),
    mfa_bypassed INTEGER NOT NULL DEFAULT 0 CHECK (mfa_bypassed IN (0, 1)),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;
CREATE INDEX session_staff ON session (staff_id);

-- Append-only, hash-chained audit log. seq is assigned by the writer as previous + 1 inside a
-- BEGIN IMMEDIATE transaction, so the chain has no gaps; hash = SHA-256(prev_hash || canonical bytes).
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT,
    outcome   TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
    detail    TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
-- Defence in depth: the application never updates or deletes audit rows. (Someone with the file
-- can drop these triggers; the hash chain and the keyed head seal catch that.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- The admin screen filters by time, actor and action, newest first.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TABLE customer (
    -- rid is the rowid alias the full-text index points at; id is the public, sync-safe id.
    rid                INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    given_name         TEXT NOT NULL,
    middle_name        TEXT,
    family_name        TEXT NOT NULL,
    suffix             TEXT,
    -- PII: AEAD ciphertext bound to the row id and field name.
    dob_enc            TEXT NOT NULL,
    ssn_enc            TEXT NOT NULL,
    licence_number_enc TEXT,
    licence_state      TEXT,
    -- Last four digits, the part every screen shows anyway; searchable.
    ssn_last4          TEXT NOT NULL,
    -- Keyed HMAC of the full SSN: finds the same SSN on two customers without decrypting.
    ssn_index          TEXT NOT NULL,
    phone              TEXT NOT NULL,
    email              TEXT,
    employer           TEXT,
    job_title          TEXT,
    monthly_income_cents INTEGER NOT NULL CHECK (monthly_income_cents >= 0),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    change_seq         INTEGER NOT NULL,
    deleted_at         TEXT
) STRICT;
CREATE INDEX customer_ssn_index ON customer (ssn_index);
-- The home screen counts customers by creation month.
CREATE INDEX customer_created ON customer (created_at);
-- Paged list, alphabetical.
CREATE INDEX customer_name ON customer (family_name, given_name);

CREATE TABLE customer_address (
    id          TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customer (id),
    kind        TEXT NOT NULL CHECK (kind IN ('current', 'previous')),
    line1       TEXT NOT NULL,
    line2       TEXT,
    city        TEXT NOT NULL,
    state       TEXT NOT NULL,
    zip         TEXT NOT NULL,
    since       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    change_seq  INTEGER NOT NULL,
    -- One current and at most one previous address per customer.
    UNIQUE (customer_id, kind)
) STRICT;

-- Full-text search over the columns the desk searches by (external content: no copy of the text).
-- Prefix indexes make "smi*" and "555*" lookups index seeks.
CREATE VIRTUAL TABLE customer_fts USING fts5 (
    given_name, middle_name, family_name, phone, email, ssn_last4,
    content = 'customer', content_rowid = 'rid', prefix = '2 3 4', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER customer_fts_insert AFTER INSERT ON customer BEGIN
    INSERT INTO customer_fts (rowid, given_name, middle_name, family_name, phone, email, ssn_last4)
    VALUES (new.rid, new.given_name, new.middle_name, new.family_name, new.phone, new.email, new.ssn_last4);
END;
CREATE TRIGGER customer_fts_delete AFTER DELETE ON customer BEGIN
    INSERT INTO customer_fts (customer_fts, rowid, given_name, middle_name, family_name, phone, email, ssn_last4)
    VALUES ('delete', old.rid, old.given_name, old.middle_name, old.family_name, old.phone, old.email, old.ssn_last4);
END;
CREATE TRIGGER customer_fts_update AFTER UPDATE ON customer BEGIN
    INSERT INTO customer_fts (customer_fts, rowid, given_name, middle_name, family_name, phone, email, ssn_last4)
    VALUES ('delete', old.rid, old.given_name, old.middle_name, old.family_name, old.phone, old.email, old.ssn_last4);
    INSERT INTO customer_fts (rowid, given_name, middle_name, family_name, phone, email, ssn_last4)
    VALUES (new.rid, new.given_name, new.middle_name, new.family_name, new.phone, new.email, new.ssn_last4);
END;

CREATE TABLE vehicle (
    id          TEXT PRIMARY KEY NOT NULL,
    vin         TEXT NOT NULL UNIQUE,
    model_year  INTEGER NOT NULL,
    make        TEXT NOT NULL,
    model       TEXT NOT NULL,
    trim        TEXT,
    mileage     INTEGER NOT NULL CHECK (mileage >= 0),
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    condition   TEXT NOT NULL CHECK (condition IN ('new', 'used')),
    status      TEXT NOT NULL CHECK (status IN ('in_stock', 'sold')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    change_seq  INTEGER NOT NULL,
    deleted_at  TEXT
) STRICT;
CREATE INDEX vehicle_status ON vehicle (status);
