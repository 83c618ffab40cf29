-- Deal desking: saved deals with up to three loan/lease options, and per-state usury caps.
-- Conventions as in the foundation schema: UUIDv7 text ids, RFC 3339 UTC times, money as
-- INTEGER cents, rates as exact decimal TEXT (percent), sync columns on every business row.

-- Inventory list: text filter over make/model, newest first.
CREATE INDEX vehicle_make_model ON vehicle (make, model);
CREATE INDEX vehicle_created ON vehicle (created_at);

-- Highest contract rate (or lease-rate equivalent) a deal may carry, by the customer's state.
-- `state` is a two-letter USPS code, or '*' for the desk's general cap used when a state has no
-- row. With no rows at all the desk applies 36 % (finance::Limits::default()).
CREATE TABLE usury_cap (
    state       TEXT PRIMARY KEY NOT NULL CHECK (state = '*' OR (length(state) = 2 AND state = upper(state))),
    -- percent, exact decimal text, e.g. '18' or '21.5'
    max_rate    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    change_seq  INTEGER NOT NULL
) STRICT;

CREATE TABLE deal (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customer (id),
    vehicle_id   TEXT NOT NULL REFERENCES vehicle (id),
    -- staff username of the salesperson, when known
    salesperson  TEXT,
    status       TEXT NOT NULL CHECK (status IN ('open', 'sold', 'lost')),
    -- the customer's state and the cap every option was checked against when last saved
    usury_state  TEXT,
    max_rate     TEXT NOT NULL,
    notes        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    change_seq   INTEGER NOT NULL,
    deleted_at   TEXT
) STRICT;
CREATE INDEX deal_customer ON deal (customer_id);
CREATE INDEX deal_vehicle ON deal (vehicle_id);
CREATE INDEX deal_created ON deal (created_at);
CREATE INDEX deal_status ON deal (status, created_at);

-- One priced option of a deal. The full input and the full quote (with its TILA or Reg M
-- disclosure data) are kept as canonical JSON with its SHA-256, because contracts are printed
-- from exactly this; the key figures are copied to columns for lists.
CREATE TABLE deal_option (
    id                      TEXT PRIMARY KEY NOT NULL,
    deal_id                 TEXT NOT NULL REFERENCES deal (id),
    position                INTEGER NOT NULL CHECK (position BETWEEN 1 AND 3),
    kind                    TEXT NOT NULL CHECK (kind IN ('loan', 'lease')),
    label                   TEXT,
    selected                INTEGER NOT NULL CHECK (selected IN (0, 1)),
    input_json              TEXT NOT NULL,
    quote_json              TEXT NOT NULL,
    quote_sha256            TEXT NOT NULL,
    term_months             INTEGER NOT NULL,
    -- loans: the regular payment; leases: the total monthly payment (base + tax)
    monthly_payment_cents   INTEGER NOT NULL,
    -- loans only
    amount_financed_cents   INTEGER,
    finance_charge_cents    INTEGER,
    -- disclosed APR, percent with two decimals (loans only: Reg M forbids an APR on a lease)
    apr                     TEXT,
    -- leases only
    due_at_signing_cents    INTEGER,
    total_of_payments_cents INTEGER NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    device_id               TEXT NOT NULL,
    change_seq              INTEGER NOT NULL,
    UNIQUE (deal_id, position)
) STRICT;
CREATE UNIQUE INDEX deal_option_one_selected ON deal_option (deal_id) WHERE selected = 1;
