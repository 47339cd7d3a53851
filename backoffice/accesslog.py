"""Access logs without secrets: OAuth codes and states never reach a log line."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from gunicorn.glogging import Logger

# Query parameters that grant something to whoever reads them.
SECRET_PARAMETERS = frozenset(
    {"code", "state", "auth_code", "access_token", "refresh_token", "app_secret", "sign"}
)
REDACTED = "[redacted]"


def redact_query(query: str) -> str:
    """The query string with the value of every secret parameter replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(key.lower() in SECRET_PARAMETERS for key, _ in pairs):
        return query
    return urlencode(
        [(key, REDACTED if key.lower() in SECRET_PARAMETERS else value) for key, value in pairs],
        safe="[]",
    )


def redact_url(url: str) -> str:
    """A URL or request target (`/path?query`) with its secret parameters redacted."""
    if "?" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=redact_query(parts.query)))


def redact_request_line(line: str) -> str:
    """`GET /path?code=x HTTP/1.1` with the target's secrets redacted."""
    method, sep, rest = line.partition(" ")
    target, sep2, version = rest.rpartition(" ")
    if not sep or not sep2:
        return redact_url(line)
    return f"{method} {redact_url(target)} {version}"


class RedactingLogger(Logger):
    """gunicorn's logger, with secret query parameters redacted from every access-log atom."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = redact_request_line(atoms.get("r", ""))
        atoms["q"] = redact_query(atoms.get("q", ""))
        atoms["f"] = redact_url(atoms.get("f", ""))
        return atoms
