-- The engine orders what it returns itself (result_rows): its working tables
-- need not keep insertion order, which makes building them cheaper.
SET preserve_insertion_order = $keep
