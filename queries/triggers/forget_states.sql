-- No trigger is evaluated any more (no policy selects a model): forget every stored state.
DELETE FROM trigger_states
