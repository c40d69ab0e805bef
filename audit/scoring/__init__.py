"""Scoring claim-source pairs and subjects."""
