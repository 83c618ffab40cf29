-- Adverse-action notices (ECOA / Regulation B §1002.9, FCRA §615(a)): one per lender decision
-- that was a decline, or a counter-offer the customer did not accept. The notice's content is a
-- snapshot taken when it arose (applicant, creditors, agency, bureau, score), so a later edit of
-- the customer or the settings does not change a notice already owed or sent.
-- Conventions as in the foundation schema: UUIDv7 text ids, RFC 3339 UTC times, ISO dates,
-- sync columns on every business row.

CREATE TABLE adverse_action_notice (
    id                  TEXT PRIMARY KEY NOT NULL,
    application_id      TEXT NOT NULL REFERENCES credit_application (id),
    -- the decision acted on: one notice per decision
    decision_id         TEXT NOT NULL UNIQUE REFERENCES application_decision (id),
    kind                TEXT NOT NULL CHECK (kind IN ('declined', 'counter_not_accepted')),
    customer_id         TEXT NOT NULL REFERENCES customer (id),
    applicant_name      TEXT NOT NULL,
    -- JSON array of address lines
    applicant_address   TEXT NOT NULL,
    -- the statement of the action taken, in words
    action_taken        TEXT NOT NULL,
    -- JSON array of up to 4 principal reasons, in words
    reasons_json        TEXT NOT NULL,
    -- FCRA §615(a) / §609(f): the score used, its range, up to 4 key factors, its date
    credit_score        INTEGER CHECK (credit_score BETWEEN 300 AND 850),
    score_range_low     INTEGER NOT NULL DEFAULT 300,
    score_range_high    INTEGER NOT NULL DEFAULT 850,
    key_factors_json    TEXT NOT NULL,
    score_date          TEXT,
    bureau_name         TEXT NOT NULL,
    bureau_address      TEXT NOT NULL,
    bureau_phone        TEXT NOT NULL,
    -- the creditors: the dealership (which arranged the credit) and the lender
    dealer_name         TEXT NOT NULL,
    dealer_address      TEXT NOT NULL,
    lender_id           TEXT REFERENCES lender (id),
    lender_name         TEXT NOT NULL,
    lender_address      TEXT,
    -- the federal agency that administers ECOA compliance for the dealer (Reg B appendix A)
    agency_name         TEXT NOT NULL,
    agency_address      TEXT NOT NULL,
    decided_at          TEXT NOT NULL,
    -- ISO date: decision + 30 days
    due_date            TEXT NOT NULL,
    delivered_at        TEXT,
    delivery_method     TEXT CHECK (delivery_method IN ('print', 'email', 'mail')),
    delivered_by        TEXT,
    -- the outbox message carrying the notice (e-mail delivery)
    outbox_id           TEXT REFERENCES outbox (id),
    -- SHA-256 of the notice PDF as rendered (at creation, then as delivered)
    pdf_sha256          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    change_seq          INTEGER NOT NULL,
    CHECK ((delivered_at IS NULL) = (delivery_method IS NULL))
) STRICT;
CREATE INDEX adverse_action_notice_app ON adverse_action_notice (application_id);
-- the home-screen timer: notices not yet delivered, soonest due first
CREATE INDEX adverse_action_notice_pending ON adverse_action_notice (delivered_at, due_date);
