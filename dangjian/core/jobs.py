"""Background work: apps register how to find and re-queue work whose worker died.

A worker killed mid-task (SIGKILL, out of memory, a machine restart) cannot say so; the task's
record stays "running" in the queue. Each app that runs tasks registers a recovery function here (in
``AppConfig.ready()``); ``manage.py run_worker`` calls them all before it starts taking tasks, so a
supervisor restarting a dead worker also brings its interrupted work back.
"""

from __future__ import annotations

from collections.abc import Callable

_RECOVERIES: dict[str, Callable[[], list]] = {}


def register_recovery(name: str, recover: Callable[[], list]) -> None:
    """``recover()`` re-queues (or stops) abandoned work and returns what it changed."""
    _RECOVERIES[name] = recover


def recover_all() -> dict[str, int]:
    """Run every registered recovery; returns how many items each one changed."""
    return {name: len(recover()) for name, recover in sorted(_RECOVERIES.items())}
