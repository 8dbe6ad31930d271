DROP TABLE files_points;
DROP TABLE files_series
