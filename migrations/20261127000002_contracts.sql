-- Contract documents: every rendered retail installment sale contract or lease, as the exact PDF
-- bytes with their SHA-256, versioned per deal. Conventions as in the foundation schema: UUIDv7
-- text ids, RFC 3339 UTC times, sync columns on every business row.
--
-- A document's bytes never change (a change is a new version); a signed document cannot be
-- changed or deleted at all. One authoritative (original) document per deal at a time; copies
-- (printed or exported, stamped COPY) are recorded too so `contract verify` knows them.

CREATE TABLE contract_document (
    id              TEXT PRIMARY KEY NOT NULL,
    deal_id         TEXT NOT NULL REFERENCES deal (id),
    option_id       TEXT NOT NULL REFERENCES deal_option (id),
    option_position INTEGER NOT NULL CHECK (option_position BETWEEN 1 AND 3),
    kind            TEXT NOT NULL CHECK (kind IN ('retail_installment', 'lease')),
    version         INTEGER NOT NULL CHECK (version >= 1),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'signing', 'signed', 'void')),
    authoritative   INTEGER NOT NULL CHECK (authoritative IN (0, 1)),
    -- the stored quote the figures were printed from
    quote_sha256    TEXT NOT NULL,
    pdf             BLOB NOT NULL,
    pdf_sha256      TEXT NOT NULL,
    page_count      INTEGER NOT NULL CHECK (page_count >= 1),
    -- the signature and initial fields: [{id, kind, signer, page, rect, label}]
    fields_json     TEXT NOT NULL,
    -- everything the document was rendered from (parties, vehicle, the stored quote), so the
    -- signing ceremony re-renders exactly the same pages
    input_json      TEXT NOT NULL,
    -- the document this one replaces (a new version after a change)
    supersedes_id   TEXT REFERENCES contract_document (id),
    rendered_by     TEXT NOT NULL,
    signed_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    change_seq      INTEGER NOT NULL,
    UNIQUE (deal_id, version)
) STRICT;
CREATE INDEX contract_document_sha ON contract_document (pdf_sha256);
CREATE INDEX contract_document_deal ON contract_document (deal_id, version);
CREATE UNIQUE INDEX contract_document_one_authoritative
    ON contract_document (deal_id) WHERE authoritative = 1 AND status <> 'void';

CREATE TRIGGER contract_document_bytes_fixed
BEFORE UPDATE OF id, deal_id, option_id, option_position, kind, version, quote_sha256, pdf,
    pdf_sha256, page_count, fields_json, input_json, created_at ON contract_document
BEGIN SELECT RAISE(ABORT, 'a contract document cannot be changed; render a new version'); END;
CREATE TRIGGER contract_document_signed_immutable BEFORE UPDATE ON contract_document
WHEN old.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed contract cannot be changed; render a new version'); END;
CREATE TRIGGER contract_document_signed_no_delete BEFORE DELETE ON contract_document
WHEN old.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed contract cannot be deleted'); END;

-- The e-signature ceremony of a document, append-only: each signer's ESIGN consent, then each
-- field signed in order with explicit intent; the document's SHA-256 before and after each event.
CREATE TABLE contract_signing_event (
    id              TEXT PRIMARY KEY NOT NULL,
    document_id     TEXT NOT NULL REFERENCES contract_document (id),
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    kind            TEXT NOT NULL CHECK (kind IN ('consent', 'sign', 'seal')),
    signer          TEXT CHECK (signer IN ('buyer', 'co_buyer', 'dealer')),
    signer_name     TEXT NOT NULL,
    field_id        TEXT,
    method          TEXT NOT NULL CHECK (method IN ('esign_consent', 'typed', 'drawn', 'seal')),
    -- typed: the adopted name; drawn: the PNG image
    mark_text       TEXT,
    mark_png        BLOB,
    -- consent: the disclosure version and its text's SHA-256; sign: the intent statement shown
    statement       TEXT NOT NULL,
    statement_sha256 TEXT NOT NULL,
    device          TEXT NOT NULL,
    actor           TEXT NOT NULL,
    sha256_before   TEXT NOT NULL,
    sha256_after    TEXT NOT NULL,
    at              TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    change_seq      INTEGER NOT NULL,
    UNIQUE (document_id, seq)
) STRICT;
CREATE TRIGGER contract_signing_event_no_update BEFORE UPDATE ON contract_signing_event
BEGIN SELECT RAISE(ABORT, 'signing events are append-only'); END;
CREATE TRIGGER contract_signing_event_no_delete BEFORE DELETE ON contract_signing_event
BEGIN SELECT RAISE(ABORT, 'signing events are append-only'); END;
