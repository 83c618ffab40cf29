-- The desk's audit log travels to the hub too (its own signed message, never the change journal):
-- every audit_log entry with seq <= audit_pushed_seq is held by the hub, as the hub last answered.
-- It moves only with the hub's answer, so an entry the hub did not take is sent again.
ALTER TABLE sync_state ADD COLUMN audit_pushed_seq INTEGER NOT NULL DEFAULT 0
    CHECK (audit_pushed_seq >= 0);
