"""Reviewers' decisions on findings: the store's rules (``decisions``) and the local server (``server``)."""
