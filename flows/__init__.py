"""Prefect flows around audit.pipeline."""
import audit  # noqa: F401  (first: Prefect's analytics are turned off before prefect is imported)
