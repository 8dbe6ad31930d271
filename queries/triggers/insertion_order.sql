-- Whether statements keep the order rows were inserted in (restored after an evaluation).
SELECT current_setting('preserve_insertion_order')
