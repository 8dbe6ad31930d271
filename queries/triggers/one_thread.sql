-- One thread: the few-step current-state evaluation (see engine.use_threads).
SET threads = 1
