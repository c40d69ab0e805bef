"""citeaudit: citation verification and evidence audit for medical writing."""
import os as _os

# Nothing leaves the machine but the services the config names: Prefect's analytics (the SDK's
# events, read when prefect is imported, and its API server's heartbeat) are off for every
# command, flow, deployment and test.  Set here, the first module of every path, before any
# import of prefect; flows/__init__ imports this package first for the same reason.
_os.environ["DO_NOT_TRACK"] = "1"
_os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
