-- The staged points and series (`staged_points`, `staged_series`) kept for the comparison
-- with what a files source stored (files/delete_points_gone.sql, files/insert_points_new.sql).
CREATE TEMP TABLE files_points AS SELECT * FROM staged_points;
CREATE TEMP TABLE files_series AS SELECT * FROM staged_series
