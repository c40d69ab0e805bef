"""PubMed: E-utilities client, rate limiter, record cache, record parser, resolution."""
