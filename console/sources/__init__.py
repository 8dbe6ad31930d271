"""Upstream systems (files, Prometheus, MLflow, a platform's HTTP API) and the sync."""
