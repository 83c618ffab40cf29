-- Contract documents grow two kinds (issue 7): the signed credit application, rendered from a
-- credit application and signed through the same e-signature ceremony as a contract, and the
-- deal jacket, a printed COPY assembling the deal's documents (never authoritative, never
-- signed), recorded so `contract verify` recognises it.
--
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt. Migrations run inside a
-- transaction with foreign keys on, where `PRAGMA foreign_keys = OFF` has no effect, so the
-- usual "create new, copy, drop old, rename new" does not work here: dropping the old table
-- counts every signing event (and bound link) as orphaned, and renaming the new table does not
-- take those counts back, so the commit would fail. Instead the rows are set aside in a plain
-- staging table, the old table (its triggers dropped first) is dropped, the new table is created
-- under the real name and the rows are inserted back: each insert of a parent row settles the
-- events that point at it, and the deferred check at commit (defer_foreign_keys) finds none
-- left. Rows keep their ids, bytes and hashes; contract_signing_event and access_link keep
-- pointing at them by id and never change.
--
-- Columns per kind:
--   retail_installment, lease: option_id and option_position (the deal option printed);
--     quote_sha256 is the option's stored quote fingerprint; application_id NULL.
--   credit_application: application_id; option_id/option_position NULL; quote_sha256 is the
--     SHA-256 of the application snapshot the document was rendered from.
--   deal_jacket: option_id, option_position and application_id NULL; quote_sha256 is the
--     SHA-256 of the jacket's manifest (the documents it holds and their hashes).
-- One authoritative contract per deal, and one authoritative credit application document per
-- application, at a time. A jacket is never authoritative.

PRAGMA defer_foreign_keys = ON;

CREATE TABLE contract_document_staging AS SELECT * FROM contract_document;

DROP TRIGGER contract_document_bytes_fixed;
DROP TRIGGER contract_document_signed_immutable;
DROP TRIGGER contract_document_signed_no_delete;
DROP INDEX contract_document_sha;
DROP INDEX contract_document_deal;
DROP INDEX contract_document_one_authoritative;
DROP TABLE contract_document;

CREATE TABLE contract_document (
    id              TEXT PRIMARY KEY NOT NULL,
    deal_id         TEXT NOT NULL REFERENCES deal (id),
    option_id       TEXT REFERENCES deal_option (id),
    option_position INTEGER CHECK (option_position BETWEEN 1 AND 3),
    application_id  TEXT REFERENCES credit_application (id),
    kind            TEXT NOT NULL CHECK (kind IN ('retail_installment', 'lease',
                                                  'credit_application', 'deal_jacket')),
    version         INTEGER NOT NULL CHECK (version >= 1),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'signing', 'signed', 'void')),
    authoritative   INTEGER NOT NULL CHECK (authoritative IN (0, 1)),
    quote_sha256    TEXT NOT NULL,
    pdf             BLOB NOT NULL,
    pdf_sha256      TEXT NOT NULL,
    page_count      INTEGER NOT NULL CHECK (page_count >= 1),
    fields_json     TEXT NOT NULL,
    input_json      TEXT NOT NULL,
    supersedes_id   TEXT REFERENCES contract_document (id),
    rendered_by     TEXT NOT NULL,
    signed_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    change_seq      INTEGER NOT NULL,
    UNIQUE (deal_id, version),
    CHECK ((kind IN ('retail_installment', 'lease'))
           = (option_id IS NOT NULL AND option_position IS NOT NULL)),
    CHECK ((kind = 'credit_application') = (application_id IS NOT NULL)),
    CHECK (kind <> 'deal_jacket' OR (authoritative = 0 AND status = 'draft'))
) STRICT;

INSERT INTO contract_document (id, deal_id, option_id, option_position, application_id, kind,
    version, status, authoritative, quote_sha256, pdf, pdf_sha256, page_count, fields_json,
    input_json, supersedes_id, rendered_by, signed_at, created_at, updated_at, device_id,
    change_seq)
SELECT id, deal_id, option_id, option_position, NULL, kind, version, status, authoritative,
    quote_sha256, pdf, pdf_sha256, page_count, fields_json, input_json, supersedes_id,
    rendered_by, signed_at, created_at, updated_at, device_id, change_seq
FROM contract_document_staging ORDER BY id;

DROP TABLE contract_document_staging;

CREATE INDEX contract_document_sha ON contract_document (pdf_sha256);
CREATE INDEX contract_document_deal ON contract_document (deal_id, version);
CREATE INDEX contract_document_application ON contract_document (application_id, version)
    WHERE application_id IS NOT NULL;
CREATE UNIQUE INDEX contract_document_one_authoritative
    ON contract_document (deal_id)
    WHERE authoritative = 1 AND status <> 'void' AND kind IN ('retail_installment', 'lease');
CREATE UNIQUE INDEX contract_document_one_authoritative_application
    ON contract_document (application_id)
    WHERE authoritative = 1 AND status <> 'void' AND kind = 'credit_application';

CREATE TRIGGER contract_document_bytes_fixed
BEFORE UPDATE OF id, deal_id, option_id, option_position, application_id, kind, version,
    quote_sha256, pdf, pdf_sha256, page_count, fields_json, input_json, created_at
ON contract_document
BEGIN SELECT RAISE(ABORT, 'a contract document cannot be changed; render a new version'); END;
CREATE TRIGGER contract_document_signed_immutable BEFORE UPDATE ON contract_document
WHEN old.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed contract cannot be changed; render a new version'); END;
CREATE TRIGGER contract_document_signed_no_delete BEFORE DELETE ON contract_document
WHEN old.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed contract cannot be deleted'); END;
