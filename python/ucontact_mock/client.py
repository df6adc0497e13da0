"""A client of a running mock: the Integra routes and the control API (``/_mock``), one instance at a time.

Only the standard library: one kept-alive HTTP connection per client, JSON in and out. Every refusal
of the control API is a :class:`MockError` carrying the server's message.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

INTEGRA = "/Integra/resources/"


class MockError(Exception):
    """A control request the mock refused, or an answer that was not what the call promises."""

    def __init__(self, message: str, status: int = 0, body: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class MockTimeout(MockError):
    """``wait`` timed out first; ``closest`` is the journal entry nearest to the pattern, if any."""

    def __init__(self, message: str, count: int, closest: Optional[dict]) -> None:
        super().__init__(message, 408)
        self.count = count
        self.closest = closest


@dataclass
class Reply:
    """An answer as the mock sent it."""

    status: int
    body: str
    headers: Dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> Optional[str]:
        """``X-Mock-Reason``: why the mock answered ``0``, 400 or 401."""
        return self.headers.get("x-mock-reason")

    @property
    def content_type(self) -> Optional[str]:
        return self.headers.get("content-type")

    def json(self) -> Any:
        return json.loads(self.body)


class _Connection:
    """One kept-alive connection to a listener, opened again when the server closed it."""

    def __init__(self, base: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{base!r} is not an http:// or https:// URL")
        self._parts = parts
        self._timeout = timeout
        self._conn: Optional[http.client.HTTPConnection] = None
        self._lock = threading.Lock()

    def _open(self) -> http.client.HTTPConnection:
        p = self._parts
        if p.scheme == "https":
            import ssl

            return http.client.HTTPSConnection(
                p.hostname, p.port, timeout=self._timeout, context=ssl._create_unverified_context()
            )
        return http.client.HTTPConnection(p.hostname, p.port, timeout=self._timeout)

    def request(self, method: str, path: str, body: Optional[bytes], headers: Mapping[str, str]) -> Reply:
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None:
                    self._conn = self._open()
                try:
                    self._conn.request(method, path, body=body, headers=dict(headers))
                    response = self._conn.getresponse()
                    data = response.read()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    # A kept-alive connection the server closed meanwhile: once more on a new one.
                    self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise
                    continue
                except Exception:
                    self._conn.close()
                    self._conn = None
                    raise
                if response.will_close:
                    self._conn.close()
                    self._conn = None
                found = {k.lower(): v for k, v in response.getheaders()}
                return Reply(response.status, data.decode("utf-8", "replace"), found)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class Clock:
    """An instance's clock: read it, move it on (``advance``), or put it at a date (``set``)."""

    def __init__(self, client: "Client") -> None:
        self._client = client

    def now(self) -> dict:
        """``{"now", "mode", "timezone", "epoch_ms"}``."""
        return self._client._control("GET", "/_mock/clock")

    def advance(self, seconds: float) -> dict:
        """Moves the clock on by ``seconds``; the simulation runs through them before this returns."""
        return self._client._control("POST", "/_mock/clock", {"advance": seconds})

    def set(self, date: str) -> dict:
        """Puts the clock at ``date`` (``yyyy-MM-dd HH:mm:ss``, the mock's time zone)."""
        return self._client._control("POST", "/_mock/clock", {"set": date})


class Faults:
    """Faults on Integra paths: latency, a forced answer, a dropped connection."""

    def __init__(self, client: "Client") -> None:
        self._client = client

    def add(
        self,
        path: str,
        *,
        latency: Optional[Any] = None,
        answer: Optional[str] = None,
        status: Optional[int] = None,
        drop: Optional[bool] = None,
        probability: Optional[float] = None,
        times: Optional[int] = None,
    ) -> dict:
        """Arms a fault on ``path`` (a trailing ``*`` matches a prefix); answers its id."""
        spec = {"path": path, "latency": latency, "answer": answer, "status": status, "drop": drop,
                "probability": probability, "times": times}
        return self._client._control("POST", "/_mock/faults", {k: v for k, v in spec.items() if v is not None})

    def list(self) -> list:
        return self._client._control("GET", "/_mock/faults")

    def clear(self) -> None:
        self._client._control("DELETE", "/_mock/faults")


class Client:
    """One instance of a running mock (``instance=None``: the one the server picks, ``default``)."""

    def __init__(
        self,
        url: str,
        *,
        backup_url: Optional[str] = None,
        instance: Optional[str] = None,
        control_token: Optional[str] = None,
        timeout: float = 70.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.backup_url = backup_url.rstrip("/") if backup_url else None
        self.name = instance
        self._control_token = control_token
        self._timeout = timeout
        self._main = _Connection(self.url, timeout)
        self.clock = Clock(self)
        self.faults = Faults(self)

    # --- instances -------------------------------------------------------------------------------

    def instance(self, name: str) -> "Client":
        """The same server's instance ``name`` (made from the fixtures on its first control call)."""
        return Client(self.url, backup_url=self.backup_url, instance=name, control_token=self._control_token,
                      timeout=self._timeout)

    @property
    def headers(self) -> Dict[str, str]:
        """What a request to this instance carries (``X-Mock-Instance``)."""
        return {"X-Mock-Instance": self.name} if self.name else {}

    def delete(self) -> None:
        """Forgets this instance and its data (no error when it is not there)."""
        if not self.name:
            raise MockError("the default instance cannot be deleted; reset() it instead")
        reply = self._send("DELETE", f"/_mock/instances/{self.name}", None, {})
        if reply.status not in (200, 404):
            raise _error(reply)

    def instances(self) -> list:
        return self._control("GET", "/_mock/instances")

    # --- the control API -------------------------------------------------------------------------

    def health(self) -> dict:
        return self._control("GET", "/_mock/health")

    def reset(self) -> None:
        """The instance starts over from its fixtures."""
        self._control("POST", "/_mock/reset")

    def coverage(self, format: str = "json", *, everyone: bool = False) -> Any:
        """The contract coverage report (docs/contract.md, section 13) of this instance, or of every
        instance with ``everyone``: a dict for ``json``, text for ``md`` and ``junit``."""
        query = {"format": format}
        if self.name and not everyone:
            query["instance"] = self.name
        reply = self._main.request("GET", f"/_mock/coverage?{urllib.parse.urlencode(query)}", None,
                                   {"Authorization": f"Bearer {self._control_token}"} if self._control_token else {})
        if reply.status != 200:
            raise _error(reply)
        return reply.json() if format == "json" else reply.body

    def fixtures(self, world: Optional[Mapping[str, Any]] = None, messages: Optional[Mapping[str, Any]] = None,
                 *, dir: Optional[str] = None) -> dict:
        """Gives the instance fixtures of its own (a ``world.json`` as a dict, or a folder) and resets it."""
        if (world is None) == (dir is None):
            raise ValueError("give either world (and messages) or dir")
        body: Dict[str, Any] = {"dir": dir} if dir is not None else {"world": world}
        if messages is not None:
            body["messages"] = messages
        return self._control("POST", "/_mock/fixtures", body)

    def state(self, table: str) -> list:
        """The rows of a table (``spool``, ``cdrs``, ``sessions``, ...) as JSON."""
        return self._control("GET", f"/_mock/state/{urllib.parse.quote(table)}")

    def requests(self, *, path: Optional[str] = None, method: Optional[str] = None, since: Optional[str] = None,
                 until: Optional[str] = None, after: Optional[int] = None, limit: Optional[int] = None) -> list:
        """The Integra requests the instance was sent, oldest first, each with its answer."""
        query = {"path": path, "method": method, "since": since, "until": until, "after": after, "limit": limit}
        query = {k: v for k, v in query.items() if v is not None}
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        return self._control("GET", "/_mock/requests" + suffix)

    def clear_requests(self) -> None:
        self._control("DELETE", "/_mock/requests")

    def count(self, *, path: Optional[str] = None, method: Optional[str] = None,
              form: Optional[Mapping[str, str]] = None, since: Optional[str] = None,
              until: Optional[str] = None) -> int:
        """How many journal entries match the pattern."""
        return self._control("POST", "/_mock/requests/count", _pattern(path, method, form, since, until))["count"]

    def wait(self, count: int = 1, timeout: float = 10.0, *, path: Optional[str] = None,
             method: Optional[str] = None, form: Optional[Mapping[str, str]] = None) -> int:
        """Waits until ``count`` matching requests arrived; :class:`MockTimeout` when ``timeout`` passes first."""
        body = _pattern(path, method, form, None, None)
        body.update({"count": count, "timeout": timeout})
        reply = self._send("POST", "/_mock/requests/wait", _json(body), {"Content-Type": "application/json"})
        if reply.status == 408:
            found = reply.json()
            raise MockTimeout(found.get("error", "timed out"), found.get("count", 0), found.get("closest"))
        return self._checked(reply)["count"]

    # --- the Integra routes ----------------------------------------------------------------------

    def login(self, user: str, password: str) -> str:
        """Logs in through ``auth/getUserToken``; the token (``MockError`` when the mock answers ``0``)."""
        reply = self.post("auth/getUserToken", {"user": user, "password": password})
        if reply.status != 200 or reply.body.strip() == "0":
            raise MockError(f"login of {user!r} refused: {reply.reason or reply.body}", reply.status, reply.body)
        return reply.json()[-1]

    def post(self, route: str, form: Optional[Mapping[str, Any]] = None, *, token: Optional[str] = None) -> Reply:
        """POSTs ``form`` (urlencoded; a dict or list value is sent as JSON) to an Integra route."""
        path = route if route.startswith("/") else INTEGRA + route
        fields = {k: (json.dumps(v) if isinstance(v, (dict, list)) else str(v)) for k, v in (form or {}).items()}
        headers = {"Content-Type": "application/x-www-form-urlencoded", **self.headers}
        if token:
            headers["Authorization"] = f"Basic {token}"
        return self._send("POST", path, urllib.parse.urlencode(fields).encode(), headers)

    def close(self) -> None:
        self._main.close()

    # --- plumbing --------------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: Optional[bytes], headers: Mapping[str, str]) -> Reply:
        sent = dict(headers)
        if path.startswith("/_mock"):
            sent.update(self.headers)
            if self._control_token:
                sent["Authorization"] = f"Bearer {self._control_token}"
        return self._main.request(method, path, body, sent)

    def _control(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else _json(body)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        return self._checked(self._send(method, path, data, headers))

    @staticmethod
    def _checked(reply: Reply) -> Any:
        if reply.status != 200:
            raise _error(reply)
        return reply.json() if reply.body else None


def _pattern(path, method, form, since, until) -> Dict[str, Any]:
    found = {"path": path, "method": method, "form": dict(form) if form else None, "since": since, "until": until}
    return {k: v for k, v in found.items() if v is not None}


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _error(reply: Reply) -> MockError:
    try:
        message = reply.json().get("error") or reply.body
    except (ValueError, AttributeError):
        message = reply.body or reply.reason or f"HTTP {reply.status}"
    return MockError(f"{message} (HTTP {reply.status})", reply.status, reply.body)

