"""Demands for tests, through the services."""

from dangjian.demands import services


def demand(org, *, actor=None, category="wages", description="工资被拖欠两个月", mobile="13912345678", **extra):
    """A demand submitted with a verified mobile (the code is read from the memory SMS backend)."""
    if actor is None:
        send_code(mobile, now=extra.get("now"))
        code = last_code()
    else:
        code = ""
    return services.demand_submit(
        actor=actor, intake_org=org, category=category, description=description, mobile=mobile, code=code, **extra
    )


def send_code(mobile, now=None):
    """Send a code and run the after-commit SMS at once (tests run inside one transaction)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.sms_code_send(mobile=mobile, now=now)


def last_code() -> str:
    from dangjian.demands.sms import MemoryBackend

    return _digits(MemoryBackend.outbox[-1][1])


def _digits(text: str) -> str:
    import re

    return re.search(r"\d{6}", text).group(0)
