"""The Textual console: a face over the core, like ``cli.py``. The core never imports this."""
