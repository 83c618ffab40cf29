-- Customer Identification Program records: one row per identity check (who, when, which
-- document and how it was read, the sanctions list version screened against, the outcome at the
-- time), the result of every rule and every sanctions candidate as they stood then, and the
-- resolutions a finance manager adds afterwards. A check is never edited: resolutions are rows of
-- their own, and the effective outcome is computed from the check and its resolutions.
--
-- The check and its resolutions are sync-tracked business rows; rule results and candidates are
-- immutable parts of their check, written in the same transaction (like sanctions entries).
-- Scores are stored as integer thousandths (0–1000), never REAL.

CREATE TABLE identity_check (
    id                     TEXT PRIMARY KEY NOT NULL,
    customer_id            TEXT NOT NULL REFERENCES customer (id),
    checked_at             TEXT NOT NULL,
    checked_by             TEXT NOT NULL,
    method                 TEXT NOT NULL CHECK (method IN ('barcode_scan', 'manual_entry')),
    document_type          TEXT NOT NULL CHECK (document_type IN ('drivers_licence', 'state_id', 'passport', 'other')),
    document_issuer        TEXT,
    -- Only the masked number is readable; the full number is AEAD ciphertext bound to this row.
    document_number_masked TEXT,
    document_number_enc    TEXT,
    document_expiry        TEXT,
    -- 'ssn', 'itin' or 'invalid': how the number on file classified at check time.
    tax_id_kind            TEXT NOT NULL CHECK (tax_id_kind IN ('ssn', 'itin', 'invalid')),
    -- NULL when no sanctions list was loaded (the check then needs review).
    sanctions_list_id      TEXT REFERENCES sanctions_list (id),
    sanctions_list_version INTEGER,
    sanctions_threshold_milli INTEGER,
    sanctions_top_score_milli INTEGER CHECK (sanctions_top_score_milli BETWEEN 0 AND 1000),
    -- Keyed HMAC of the identity facts checked (name, date of birth, SSN, address): a later edit
    -- of any of them makes the check stale without storing the values again.
    facts_fingerprint      TEXT NOT NULL,
    outcome                TEXT NOT NULL CHECK (outcome IN ('verified', 'needs_review', 'failed')),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    device_id              TEXT NOT NULL,
    change_seq             INTEGER NOT NULL
) STRICT;
CREATE INDEX identity_check_customer ON identity_check (customer_id, checked_at);

CREATE TABLE identity_check_rule (
    check_id TEXT NOT NULL REFERENCES identity_check (id),
    position INTEGER NOT NULL,
    rule     TEXT NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('pass', 'flag', 'fail', 'not_checked')),
    code     TEXT,
    reason   TEXT NOT NULL,
    PRIMARY KEY (check_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE identity_check_candidate (
    check_id        TEXT NOT NULL REFERENCES identity_check (id),
    ent_num         INTEGER NOT NULL,
    name            TEXT NOT NULL,
    score_milli     INTEGER NOT NULL CHECK (score_milli BETWEEN 0 AND 1000),
    program         TEXT,
    sdn_type        TEXT,
    matched_alias   TEXT,
    dob_matches     INTEGER CHECK (dob_matches IN (0, 1)),
    country_matches INTEGER CHECK (country_matches IN (0, 1)),
    PRIMARY KEY (check_id, ent_num)
) STRICT, WITHOUT ROWID;

-- One decision per raised flag code or candidate of a check; a decision is final.
CREATE TABLE identity_resolution (
    id          TEXT PRIMARY KEY NOT NULL,
    check_id    TEXT NOT NULL REFERENCES identity_check (id),
    kind        TEXT NOT NULL CHECK (kind IN ('flag', 'candidate')),
    -- The flag code (kind 'flag') or the candidate's ent_num as text (kind 'candidate').
    target      TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('resolved', 'cleared', 'confirmed')),
    note        TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    change_seq  INTEGER NOT NULL,
    UNIQUE (check_id, kind, target)
) STRICT;

-- The customer's phone, e-mail and address as confirmed with them: a keyed fingerprint of the
-- normalised value (not the value), who confirmed it and when. A later edit changes the value's
-- fingerprint, so the desk sees "changed since confirmation" without keeping old values.
CREATE TABLE contact_confirmation (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customer (id),
    channel      TEXT NOT NULL CHECK (channel IN ('phone', 'email', 'address')),
    fingerprint  TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    change_seq   INTEGER NOT NULL,
    UNIQUE (customer_id, channel)
) STRICT;

-- Red-flag lookups: the same phone or e-mail on another customer is an index seek.
CREATE INDEX customer_phone ON customer (phone);
CREATE INDEX customer_email ON customer (email);
