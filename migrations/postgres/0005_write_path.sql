-- The write path (issue 11): every tip inserts at a random key into each B-tree it touches, and
-- once those outgrow the page cache each costs a leaf page written twice (WAL, checkpoint).
-- The facts' month index served only a GROUP BY over all facts; statistics read maintained
-- counters instead (DESIGN.md), and copies page facts by their key. One tree fewer per tip.
DROP INDEX IF EXISTS tip_facts_month;
