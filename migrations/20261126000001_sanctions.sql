-- Sanctions lists (OFAC SDN and the consolidated non-SDN list, same CSV format), imported as
-- dated, numbered versions. A version is written in one transaction with its entries, aliases and
-- addresses, so a failed import leaves the previous version in force. Old versions are kept: a
-- verification record names the version it was screened against, and an examiner may ask years
-- later what that version held.
--
-- Only the list row is a sync-tracked business row (ids, times, device, change_seq, change_log).
-- Its entries are immutable reference data that belong to it; a hub re-creates them from the
-- same files (their SHA-256 is kept here) instead of syncing tens of thousands of rows.

CREATE TABLE sanctions_list (
    id             TEXT PRIMARY KEY NOT NULL,
    -- 1, 2, 3 … in import order; the highest version is the list in force.
    version        INTEGER NOT NULL UNIQUE CHECK (version > 0),
    -- The date Treasury published the files, when the operator gives it (ISO 8601).
    published_on   TEXT,
    imported_by    TEXT NOT NULL,
    -- SHA-256 of each file as imported, to prove which files a version came from.
    sdn_sha256     TEXT NOT NULL,
    alt_sha256     TEXT,
    add_sha256     TEXT,
    entry_count    INTEGER NOT NULL CHECK (entry_count > 0),
    alias_count    INTEGER NOT NULL CHECK (alias_count >= 0),
    address_count  INTEGER NOT NULL CHECK (address_count >= 0),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    change_seq     INTEGER NOT NULL
) STRICT;

-- One row of sdn.csv. NULL where the file says "-0-".
CREATE TABLE sanctions_entry (
    list_id    TEXT NOT NULL REFERENCES sanctions_list (id),
    ent_num    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    sdn_type   TEXT,
    program    TEXT,
    title      TEXT,
    call_sign  TEXT,
    vess_type  TEXT,
    tonnage    TEXT,
    grt        TEXT,
    vess_flag  TEXT,
    vess_owner TEXT,
    remarks    TEXT,
    -- The primary key is also the index the screen loader and the alias/address foreign keys use.
    PRIMARY KEY (list_id, ent_num)
) STRICT, WITHOUT ROWID;

-- One row of alt.csv: another name the entry is known by (a.k.a., f.k.a., n.k.a.).
CREATE TABLE sanctions_alias (
    list_id     TEXT NOT NULL,
    ent_num     INTEGER NOT NULL,
    alt_num     INTEGER NOT NULL,
    alt_type    TEXT,
    alt_name    TEXT NOT NULL,
    alt_remarks TEXT,
    -- Keyed by list first, so loading one version's aliases is a range scan of this key.
    PRIMARY KEY (list_id, ent_num, alt_num),
    FOREIGN KEY (list_id, ent_num) REFERENCES sanctions_entry (list_id, ent_num)
) STRICT, WITHOUT ROWID;

-- One row of add.csv: an address of the entry (the country helps clear or confirm a candidate).
CREATE TABLE sanctions_address (
    list_id        TEXT NOT NULL,
    ent_num        INTEGER NOT NULL,
    add_num        INTEGER NOT NULL,
    address        TEXT,
    city_state_zip TEXT,
    country        TEXT,
    add_remarks    TEXT,
    -- Same shape as the alias key: one version's addresses are one range scan.
    PRIMARY KEY (list_id, ent_num, add_num),
    FOREIGN KEY (list_id, ent_num) REFERENCES sanctions_entry (list_id, ent_num)
) STRICT, WITHOUT ROWID;
