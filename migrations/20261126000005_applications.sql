-- Credit applications: lenders and their versioned rate sheets, applications with their state
-- history, lender decisions (naming the rate-sheet version used), the signed outbox to lenders,
-- and stipulations with their documents.
-- Conventions as in the foundation schema: UUIDv7 text ids, RFC 3339 UTC times, money as
-- INTEGER cents, rates as exact decimal TEXT (percent), sync columns on every business row.

CREATE TABLE lender (
    id          TEXT PRIMARY KEY NOT NULL,
    -- short stable code used in rate-sheet files, e.g. 'LAKESHORE'
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    change_seq  INTEGER NOT NULL
) STRICT;

-- One imported version of a lender's rate sheet. The sheet (tiers, rate cells, limits, fees) is
-- canonical JSON with its SHA-256; a new import is a new version, older versions stay so a
-- decision can always show the sheet it was made by.
CREATE TABLE rate_sheet (
    id              TEXT PRIMARY KEY NOT NULL,
    lender_id       TEXT NOT NULL REFERENCES lender (id),
    version         INTEGER NOT NULL CHECK (version >= 1),
    effective_date  TEXT NOT NULL,
    sheet_json      TEXT NOT NULL,
    sheet_sha256    TEXT NOT NULL,
    imported_by     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    change_seq      INTEGER NOT NULL,
    UNIQUE (lender_id, version)
) STRICT;

CREATE TABLE credit_application (
    id                   TEXT PRIMARY KEY NOT NULL,
    deal_id              TEXT NOT NULL REFERENCES deal (id),
    customer_id          TEXT NOT NULL REFERENCES customer (id),
    co_applicant_id      TEXT REFERENCES customer (id),
    intent               TEXT NOT NULL CHECK (intent IN ('individual', 'joint')),
    state                TEXT NOT NULL CHECK (state IN ('draft', 'ready', 'submitted', 'approved',
                             'conditional', 'countered', 'declined', 'contracted', 'funded',
                             'withdrawn', 'expired')),
    -- histories, other income, references: canonical JSON (money as decimal strings)
    details_json         TEXT NOT NULL,
    gross_monthly_income_cents INTEGER NOT NULL CHECK (gross_monthly_income_cents >= 0),
    other_monthly_income_cents INTEGER NOT NULL CHECK (other_monthly_income_cents >= 0),
    co_applicant_income_cents  INTEGER NOT NULL CHECK (co_applicant_income_cents >= 0),
    housing_status       TEXT NOT NULL CHECK (housing_status IN ('own', 'mortgage', 'rent', 'family', 'other')),
    housing_payment_cents INTEGER NOT NULL CHECK (housing_payment_cents >= 0),
    other_debts_cents    INTEGER NOT NULL CHECK (other_debts_cents >= 0),
    credit_score         INTEGER CHECK (credit_score BETWEEN 300 AND 850),
    lender_id            TEXT REFERENCES lender (id),
    -- credit-report consent: the staff member who captured it, when, which text
    consent_by           TEXT,
    consent_at           TEXT,
    consent_text_version TEXT,
    consent_text_sha256  TEXT,
    consent_parties      TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    device_id            TEXT NOT NULL,
    change_seq           INTEGER NOT NULL,
    deleted_at           TEXT
) STRICT;
CREATE INDEX credit_application_state ON credit_application (state, updated_at);
CREATE INDEX credit_application_customer ON credit_application (customer_id);
CREATE INDEX credit_application_deal ON credit_application (deal_id);

-- Every state change, in order.
CREATE TABLE application_history (
    id             TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES credit_application (id),
    seq            INTEGER NOT NULL,
    from_state     TEXT,
    to_state       TEXT NOT NULL,
    action         TEXT NOT NULL,
    actor          TEXT NOT NULL,
    at             TEXT NOT NULL,
    note           TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    change_seq     INTEGER NOT NULL,
    UNIQUE (application_id, seq)
) STRICT;

-- A lender's answer, with the rate-sheet version it was made by.
CREATE TABLE application_decision (
    id                 TEXT PRIMARY KEY NOT NULL,
    application_id     TEXT NOT NULL REFERENCES credit_application (id),
    lender_id          TEXT NOT NULL REFERENCES lender (id),
    rate_sheet_id      TEXT NOT NULL REFERENCES rate_sheet (id),
    rate_sheet_version INTEGER NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('approved', 'conditional', 'countered', 'declined')),
    decision_json      TEXT NOT NULL,
    source             TEXT NOT NULL,
    decided_at         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    change_seq         INTEGER NOT NULL
) STRICT;
CREATE INDEX application_decision_app ON application_decision (application_id, decided_at);

-- Messages to lenders, signed (HMAC-SHA256 with a key derived from the store's key).
CREATE TABLE lender_outbox (
    id             TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES credit_application (id),
    lender_id      TEXT NOT NULL REFERENCES lender (id),
    rate_sheet_id  TEXT NOT NULL REFERENCES rate_sheet (id),
    kind           TEXT NOT NULL CHECK (kind IN ('submit')),
    payload_json   TEXT NOT NULL,
    signature      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'answered', 'rejected')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    change_seq     INTEGER NOT NULL
) STRICT;
CREATE INDEX lender_outbox_status ON lender_outbox (status, created_at);

CREATE TABLE stipulation (
    id             TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES credit_application (id),
    decision_id    TEXT REFERENCES application_decision (id),
    code           TEXT NOT NULL,
    description    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'received', 'cleared')),
    cleared_by     TEXT,
    cleared_at     TEXT,
    clear_note     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    change_seq     INTEGER NOT NULL
) STRICT;
CREATE INDEX stipulation_app ON stipulation (application_id, status);

CREATE TABLE stipulation_document (
    id             TEXT PRIMARY KEY NOT NULL,
    stipulation_id TEXT NOT NULL REFERENCES stipulation (id),
    file_name      TEXT NOT NULL,
    media_type     TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes     INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256         TEXT NOT NULL,
    content        BLOB NOT NULL,
    uploaded_by    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    change_seq     INTEGER NOT NULL
) STRICT;
CREATE INDEX stipulation_document_stip ON stipulation_document (stipulation_id);
