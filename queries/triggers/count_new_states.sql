-- How many states the refresh stores.
SELECT count(*) FROM mrp_new_state
