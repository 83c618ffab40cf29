-- The hub cursor of the row version the desk had seen when it made each change (NULL: none), so a
-- desk pulling the change can tell a concurrent change that replaced its own version (shown for
-- review) from one made on top of it.
ALTER TABLE hub_change ADD COLUMN base BIGINT;
