-- The staged states, once stored.
DROP TABLE IF EXISTS mrp_new_state
