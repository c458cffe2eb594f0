"""Per-request context that services and logging read without being handed the request."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="-")
client_ip: ContextVar[str] = ContextVar("client_ip", default="")
