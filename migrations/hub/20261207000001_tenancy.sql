-- The hub's tenancy: dealer group -> rooftops -> desks, the hub's staff, enrolment codes and the
-- hub's own audit chain. Every table is keyed by (group_id, id). No private key is stored here:
-- the hub's TLS key and the group's data key are files in the hub's state directory.

CREATE TABLE dealer_group (
    group_id   UUID        NOT NULL,
    id         UUID        NOT NULL,
    name       TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, id),
    CHECK (id = group_id)
);

CREATE TABLE rooftop (
    group_id   UUID        NOT NULL,
    id         UUID        NOT NULL,
    name       TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, id),
    UNIQUE (group_id, name),
    FOREIGN KEY (group_id, group_id) REFERENCES dealer_group (group_id, id)
);

CREATE TABLE hub_staff (
    group_id      UUID        NOT NULL,
    id            UUID        NOT NULL,
    username      TEXT        NOT NULL CHECK (length(username) BETWEEN 1 AND 100),
    password_hash TEXT        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    role          TEXT        NOT NULL CHECK (role IN ('admin')),
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, id),
    UNIQUE (group_id, username),
    FOREIGN KEY (group_id, group_id) REFERENCES dealer_group (group_id, id)
);

CREATE TABLE desk (
    group_id       UUID        NOT NULL,
    id             UUID        NOT NULL,
    rooftop_id     UUID        NOT NULL,
    name           TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    ed25519_public BYTEA       NOT NULL CHECK (length(ed25519_public) = 32),
    x25519_public  BYTEA       NOT NULL CHECK (length(x25519_public) = 32),
    enrolled_at    TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_by     UUID,
    PRIMARY KEY (group_id, id),
    UNIQUE (group_id, ed25519_public),
    FOREIGN KEY (group_id, rooftop_id) REFERENCES rooftop (group_id, id),
    FOREIGN KEY (group_id, revoked_by) REFERENCES hub_staff (group_id, id),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

CREATE TABLE enrolment_code (
    group_id     UUID        NOT NULL,
    id           UUID        NOT NULL,
    code_sha256  BYTEA       NOT NULL UNIQUE CHECK (length(code_sha256) = 32),
    rooftop_id   UUID        NOT NULL,
    created_by   UUID        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ,
    used_by_desk UUID,
    PRIMARY KEY (group_id, id),
    FOREIGN KEY (group_id, rooftop_id) REFERENCES rooftop (group_id, id),
    FOREIGN KEY (group_id, created_by) REFERENCES hub_staff (group_id, id),
    FOREIGN KEY (group_id, used_by_desk) REFERENCES desk (group_id, id),
    CHECK ((used_at IS NULL) = (used_by_desk IS NULL))
);

-- Hash-chained like the desk's audit log: hash = SHA-256(prev_hash || canonical bytes).
CREATE TABLE hub_audit (
    group_id  UUID        NOT NULL,
    id        UUID        NOT NULL,
    seq       BIGINT      NOT NULL CHECK (seq >= 1),
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT        NOT NULL,
    action    TEXT        NOT NULL CHECK (action IN ('init', 'code_created', 'desk_enrolled', 'desk_revoked')),
    subject   TEXT,
    detail    TEXT        NOT NULL,
    prev_hash TEXT        NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT        NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (group_id, id),
    UNIQUE (group_id, seq),
    FOREIGN KEY (group_id, group_id) REFERENCES dealer_group (group_id, id)
);
