-- The write path (issue 11): every tip inserts at a random key into each B-tree it touches, and
-- once those outgrow the page cache each costs a leaf page written twice (WAL, checkpoint).
-- The facts' month index served only a GROUP BY over all facts; statistics read maintained
-- counters instead (DESIGN.md), and copies page facts by their key. One tree fewer per tip.
DROP INDEX IF EXISTS tip_facts_month;

-- The staff queue (issue 8) reads urgent first, then by due day, then id, and filters on the
-- jurisdiction and the filters' columns. A covering index in that order lets the query walk it
-- and stop after one page, never touching the tips' sealed content (100,000 tips: a commune's
-- page in about a millisecond instead of a scan of every row).
DROP INDEX IF EXISTS tips_queue;
CREATE INDEX tips_queue ON tips(urgent DESC, due_day, id, status, region_id, school_id, category,
    involves_staff, channel, received_day, extensions, assignee_id);
