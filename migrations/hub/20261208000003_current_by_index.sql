-- A row's current version is its latest stored change: the hub stores only changes it took, so
-- the one with the highest cursor is the one that last won the row. An index finds it; the
-- separate `hub_row` table (with a second copy of every row's JSON) doubled what a push wrote.
CREATE INDEX hub_change_row ON hub_change (group_id, table_name, row_id, cursor);
DROP TABLE hub_row;
