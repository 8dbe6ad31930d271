"""Rollback policies: the pydantic model and the YAML loader with file:line:col errors."""
