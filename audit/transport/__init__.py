"""The one HTTP transport every service request goes through (E-utilities, Crossref): ``Transport.call``.

``client``: pacing hook, retries with backoff and Retry-After, per-request and per-call deadlines,
redirects refused, body size limits, the breaker and the request counts in the run's ledger.
``session``: the wall-clock deadline while headers arrive, credentials masked in logged URLs.
"""
from audit.transport.client import (READ_CHUNK, Answer, Pacing, Refused, Retry, RetryPolicy, Service, Transport,
                                    TransportError, is_success, retry_after)
from audit.transport.session import deadline_at, guard_third_party_logs, prepare_session, redact

__all__ = ["READ_CHUNK", "Answer", "Pacing", "Refused", "Retry", "RetryPolicy", "Service", "Transport",
           "TransportError", "deadline_at", "guard_third_party_logs", "is_success", "prepare_session", "redact",
           "retry_after"]
