-- The write path's counter cost (issue 9): a new tip is open and has kept or missed no
-- deadline yet, so each submission wrote a row of stat_outcome (outcome '') and one of
-- stat_timeliness (2, 2) that no statistic reads: open tips are all tips less the decided
-- ones, and "not known yet" is what the others leave. From now on those rows are not stored
-- (store/counters.rs), which halves the counter rows a submission touches.
DELETE FROM stat_outcome WHERE outcome = '';
DELETE FROM stat_timeliness WHERE classified = 2 AND decided = 2;
