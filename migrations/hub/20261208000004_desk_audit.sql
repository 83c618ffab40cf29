-- Every desk's audit hash chain, as the desk sent it (issue: audit across desks). The hub takes a
-- desk's entries only when they continue the chain it holds for that desk (seqs consecutive, each
-- linked to the one before and its hash recomputed), so this table holds each desk's chain from
-- entry #1 without gaps. Fields are kept as the desk's text, exactly: the hash covers those bytes.
CREATE TABLE hub_desk_audit (
    group_id    UUID        NOT NULL,
    desk_id     UUID        NOT NULL,
    seq         BIGINT      NOT NULL CHECK (seq >= 1),
    at          TEXT        NOT NULL,
    actor       TEXT        NOT NULL,
    action      TEXT        NOT NULL,
    subject     TEXT,
    outcome     TEXT        NOT NULL,
    detail      TEXT,
    prev_hash   TEXT        NOT NULL CHECK (length(prev_hash) = 64),
    hash        TEXT        NOT NULL CHECK (length(hash) = 64),
    received_at TIMESTAMPTZ NOT NULL,
    -- One entry per seq of a desk's chain; a resend of an entry meets its stored copy.
    PRIMARY KEY (group_id, desk_id, seq),
    FOREIGN KEY (group_id, desk_id) REFERENCES desk (group_id, id)
);

-- A desk's audit message the hub refused (a broken or altered chain, a replay, a bad signature)
-- is recorded in the hub's own chain.
ALTER TABLE hub_audit DROP CONSTRAINT hub_audit_action_check;
ALTER TABLE hub_audit ADD CONSTRAINT hub_audit_action_check CHECK (action IN (
    'init', 'code_created', 'desk_enrolled', 'desk_revoked', 'pushed', 'push_refused',
    'pull_refused', 'desk_audit_refused'));

-- Append-only like the hub's own chain (the database's owner can drop this trigger; the chain
-- check of `hub audit verify` catches what is then changed).
CREATE FUNCTION hub_desk_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a desk''s audit log on the hub is append-only';
END;
$$;
CREATE TRIGGER hub_desk_audit_append_only BEFORE UPDATE OR DELETE ON hub_desk_audit
    FOR EACH ROW EXECUTE FUNCTION hub_desk_audit_refuse_change();
