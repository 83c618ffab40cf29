-- Sync (issue 15): the changes desks push, in the group's cursor order, and the hub's current
-- version of every row. Every table keyed by group. No advisory locks, no LISTEN/NOTIFY, no
-- transaction-id functions: the cursor comes from one counter row per group, taken inside the
-- push transaction (see group_cursor), which CockroachDB and YugabyteDB run as well.

-- The group's cursor counter. A push transaction takes its cursors with UPDATE … RETURNING: the
-- row stays locked until that transaction ends, so a later transaction can only take higher
-- cursors after the earlier one has committed (or rolled back). A reader that has seen cursor N
-- has therefore seen every committed change below N. (A plain serial column does not promise
-- this: its values are handed out at insert, and transactions commit in another order.)
CREATE TABLE group_cursor (
    group_id UUID   NOT NULL,
    id       UUID   NOT NULL,
    last     BIGINT NOT NULL DEFAULT 0 CHECK (last >= 0),
    PRIMARY KEY (group_id, id),
    CHECK (id = group_id),
    FOREIGN KEY (group_id, group_id) REFERENCES dealer_group (group_id, id)
);
INSERT INTO group_cursor (group_id, id) SELECT group_id, id FROM dealer_group;

-- Every change the hub took, in cursor order. (desk, seq) is unique: a change pushed twice is
-- stored once.
CREATE TABLE hub_change (
    group_id    UUID        NOT NULL,
    cursor      BIGINT      NOT NULL CHECK (cursor > 0),
    desk_id     UUID        NOT NULL,
    seq         BIGINT      NOT NULL CHECK (seq > 0),
    table_name  TEXT        NOT NULL,
    row_id      TEXT        NOT NULL,
    op          TEXT        NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    at          TIMESTAMPTZ NOT NULL,
    hlc_wall    BIGINT      NOT NULL,
    hlc_counter BIGINT      NOT NULL,
    row         JSONB,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, cursor),
    UNIQUE (group_id, desk_id, seq),
    FOREIGN KEY (group_id, desk_id) REFERENCES desk (group_id, id)
);

-- The hub's current version of each row: the change that last won it.
CREATE TABLE hub_row (
    group_id    UUID   NOT NULL,
    table_name  TEXT   NOT NULL,
    row_id      TEXT   NOT NULL,
    cursor      BIGINT NOT NULL,
    desk_id     UUID   NOT NULL,
    hlc_wall    BIGINT NOT NULL,
    hlc_counter BIGINT NOT NULL,
    row         JSONB,
    PRIMARY KEY (group_id, table_name, row_id),
    FOREIGN KEY (group_id, cursor) REFERENCES hub_change (group_id, cursor)
);

-- Batches a desk has sent, so a replayed batch is refused.
CREATE TABLE hub_batch (
    group_id    UUID        NOT NULL,
    desk_id     UUID        NOT NULL,
    id          UUID        NOT NULL,
    entries     INTEGER     NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, desk_id, id),
    FOREIGN KEY (group_id, desk_id) REFERENCES desk (group_id, id)
);

-- The hub's audit chain records every push (with its counts) and every refused push or pull.
ALTER TABLE hub_audit DROP CONSTRAINT hub_audit_action_check;
ALTER TABLE hub_audit ADD CONSTRAINT hub_audit_action_check CHECK (action IN (
    'init', 'code_created', 'desk_enrolled', 'desk_revoked', 'pushed', 'push_refused',
    'pull_refused'));

-- Defence in depth, as on the desk: the hub never updates or deletes an audit entry. (The
-- database's owner can drop this trigger; the hash chain catches what is then changed.)
CREATE FUNCTION hub_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the hub audit log is append-only';
END;
$$;
CREATE TRIGGER hub_audit_append_only BEFORE UPDATE OR DELETE ON hub_audit
    FOR EACH ROW EXECUTE FUNCTION hub_audit_refuse_change();
