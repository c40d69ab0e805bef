"""Accuracy on public data sets and the commands that fit the shipped weights; not a step of the audit."""
