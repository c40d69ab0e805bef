"""Crossref as a second record source: DOIs PubMed does not hold, and notices publishers register.

``works`` reads Crossref's answers; ``client`` asks Crossref (through the one
transport, ``audit.transport``) and is a record source; ``pace`` follows the
limits Crossref announces; ``cache`` keeps its answers; ``beyond`` is the
resolution step after PubMed (DOI-only references, both-identifier
cross-checks, title look-ups for ``identifier_mismatch``, Retraction Watch
notices).
"""
