-- Forget the stored trigger states (a refresh writes them all again).
DELETE FROM trigger_states
