"""Tools for tests and benchmarks (a local E-utilities server); not a step of the audit."""
