-- The write path's counter cost (issue 9): a new tip is open, neither classified nor decided,
-- so each submission wrote a row of stat_outcome (outcome '') and one of stat_timeliness
-- (2, 2) that no statistic reads: open tips are all tips less the decided ones, and "not
-- known yet" is what the others leave. From now on those rows are not stored
-- (store/counters.rs), which halves the counter rows a submission touches. A server of an
-- older version writing to the same database would store them again: upgrade every server,
-- then run `tipline stats verify` (and `tipline stats rebuild` if it differs).
DELETE FROM stat_outcome WHERE outcome = '';
DELETE FROM stat_timeliness WHERE classified = 2 AND decided = 2;
