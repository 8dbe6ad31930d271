-- The first metrics file (by its place) with an unusable row among the staged points.
SELECT min(unusable) FROM points
