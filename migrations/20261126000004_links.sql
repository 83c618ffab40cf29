-- Temporary access links (issue 6): bearer links that open the customer's side of the desk on
-- their phone. Only the SHA-256 of a link's token is stored; the token itself is shown once.
-- A link's state is computed from its times (see src/links): revoked, redeemed, expired, opened,
-- issued, in that order of precedence.

CREATE TABLE access_link (
    id             TEXT PRIMARY KEY NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    customer_id    TEXT NOT NULL REFERENCES customer (id),
    purpose        TEXT NOT NULL CHECK (purpose IN ('portal_onboarding', 'confirm_contact', 'upload_documents', 'remote_signing')),
    -- upload_documents links are bound to an application's open stipulations (when that exists).
    application_id TEXT,
    issued_by      TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    opened_at      TEXT,
    redeemed_at    TEXT,
    revoked_at     TEXT,
    revoked_by     TEXT,
    -- 'staff' (revoked at the desk) or 'knowledge_check' (burned after three failed checks).
    revoke_reason  TEXT CHECK (revoke_reason IN ('staff', 'knowledge_check')),
    failed_checks  INTEGER NOT NULL DEFAULT 0 CHECK (failed_checks >= 0),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    change_seq     INTEGER NOT NULL
) STRICT;
CREATE INDEX access_link_customer ON access_link (customer_id, created_at);

-- The customer's session on the portal after a successful redemption (token hashed, like desk
-- sessions). Local to this desk: not synced.
CREATE TABLE portal_session (
    id          TEXT PRIMARY KEY NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    link_id     TEXT NOT NULL REFERENCES access_link (id),
    customer_id TEXT NOT NULL REFERENCES customer (id),
    -- Where the customer is in the purpose's steps (e.g. 'password', 'totp', 'done').
    stage       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    ended_at    TEXT
) STRICT;
CREATE INDEX portal_session_link ON portal_session (link_id);

-- The customer's online account, created through a portal_onboarding link.
CREATE TABLE portal_account (
    id               TEXT PRIMARY KEY NOT NULL,
    customer_id      TEXT NOT NULL UNIQUE REFERENCES customer (id),
    login            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash    TEXT NOT NULL,
    -- AEAD-encrypted TOTP secrets, as for staff.
    totp_secret_enc  TEXT,
    totp_pending_enc TEXT,
    totp_last_step   INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    change_seq       INTEGER NOT NULL
) STRICT;

-- A contact correction sent by the customer, waiting for staff approval.
CREATE TABLE contact_change (
    id          TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customer (id),
    link_id     TEXT NOT NULL REFERENCES access_link (id),
    -- JSON object of the corrected fields (phone, email, line1, line2, city, state, zip).
    fields      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewed_by TEXT,
    reviewed_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    change_seq  INTEGER NOT NULL
) STRICT;
CREATE INDEX contact_change_status ON contact_change (status, created_at);

-- A document the customer uploaded (a stipulation: proof of income, residence...). The bytes are
-- AEAD-encrypted (base64 inside); sha256 is of the plaintext bytes as uploaded.
CREATE TABLE link_document (
    id             TEXT PRIMARY KEY NOT NULL,
    link_id        TEXT NOT NULL REFERENCES access_link (id),
    customer_id    TEXT NOT NULL REFERENCES customer (id),
    stipulation_id TEXT,
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes     INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256         TEXT NOT NULL,
    data_enc       TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    change_seq     INTEGER NOT NULL
) STRICT;
CREATE INDEX link_document_customer ON link_document (customer_id, created_at);

-- E-mail and SMS messages waiting to be sent. Subject and body are AEAD-encrypted: they hold a
-- link's URL (its bearer token) and the customer's name. Retries back off exponentially.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    subject_enc     TEXT,
    body_enc        TEXT NOT NULL,
    customer_id     TEXT REFERENCES customer (id),
    link_id         TEXT REFERENCES access_link (id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    change_seq      INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
