-- The engine's working tables, dropped when an evaluation is done.
DROP TABLE IF EXISTS mrp_last;
DROP TABLE IF EXISTS mrp_segment;
DROP TABLE IF EXISTS mrp_edge;
DROP TABLE IF EXISTS mrp_ledge;
DROP TABLE IF EXISTS mrp_lsample;
DROP TABLE IF EXISTS mrp_lp;
DROP TABLE IF EXISTS mrp_event;
DROP TABLE IF EXISTS mrp_wvalue;
DROP TABLE IF EXISTS mrp_used;
DROP TABLE IF EXISTS mrp_sample;
DROP TABLE IF EXISTS mrp_rule;
DROP TABLE IF EXISTS mrp_pp;
DROP TABLE IF EXISTS mrp_period;
DROP TABLE IF EXISTS mrp_pair;
DROP TABLE IF EXISTS mrp_model;
DROP TABLE IF EXISTS mrp_trigger;
