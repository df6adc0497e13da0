"""Running the mock: the bundled binary started on port 0 with the CI settings, or a server already up."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from typing import Dict, List, Mapping, Optional, Sequence

from ._binary import find_binary
from .client import Client, MockError

#: What a test double wants by default: no file, a clock that moves only when told, fixed draws, no
#: simulated callers (the mock's own defaults are a file, the real clock, a new seed, traffic on).
CI_SETTINGS: Dict[str, str] = {"db": ":memory:", "clock": "manual", "seed": "7", "traffic": "off"}


class Mock(Client):
    """A ucontact-mock server for the length of a ``with`` block (or between :meth:`start` and :meth:`stop`).

    ``Mock()`` runs the binary this package installed (or ``binary``, or ``UCONTACT_MOCK_BIN``) on
    ``127.0.0.1`` port 0 with :data:`CI_SETTINGS`; keyword settings are its flags (``seed=3``,
    ``clock_start="2026-01-05 08:00:00"``, ``auth="off"``, ``fixtures="tests/world"``; ``None`` drops
    one), ``args`` more flags as given. ``Mock(url="http://mock:8085")`` uses a server already running
    (a CI service container) and starts nothing. The instance methods of :class:`Client` act on the
    default instance; :meth:`instance` gives another.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        backup_url: Optional[str] = None,
        binary: Optional[str] = None,
        args: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        start_timeout: float = 20.0,
        control_token: Optional[str] = None,
        **settings: Optional[object],
    ) -> None:
        self._external = url
        self._binary = binary
        self._flags = _flags({**CI_SETTINGS, **settings}) + list(args)
        self._env = env
        self._start_timeout = start_timeout
        self._process: Optional[subprocess.Popen] = None
        self._stderr = None
        self._token = control_token
        if url is not None:
            super().__init__(url, backup_url=backup_url, control_token=control_token)
            self._check_ready()

    @property
    def command(self) -> List[str]:
        """The command line :meth:`start` runs."""
        listen = ["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0"]
        return [self._binary or find_binary(), *listen, *self._flags]

    def start(self) -> "Mock":
        """Starts the server and waits until it answers healthy (nothing to do for an external one)."""
        if self._external is not None or self._process is not None:
            return self
        self._stderr = tempfile.TemporaryFile()
        environment = {**os.environ, **(self._env or {})}
        self._process = subprocess.Popen(
            self.command, stdout=subprocess.PIPE, stderr=self._stderr, env=environment, start_new_session=True
        )
        line = _first_line(self._process, self._start_timeout)
        urls = dict(word.split("=", 1) for word in line.split()[1:] if "=" in word)
        if not line.startswith("listening") or "main" not in urls:
            self.stop()
            raise MockError(f"the mock did not start: {self._log_tail() or line or 'no output'}")
        # The rest of stdout is read away, so the server never blocks on a full pipe.
        threading.Thread(target=_drain, args=(self._process.stdout,), daemon=True).start()
        super().__init__(urls["main"], backup_url=urls.get("backup"), control_token=self._token)
        self._check_ready()
        return self

    def stop(self) -> None:
        """Stops the server and every process it started (its process group)."""
        process, self._process = self._process, None
        if hasattr(self, "_main"):
            self.close()
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> "Mock":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _check_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        while True:
            try:
                if self._send("GET", "/_mock/health", None, {}).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise MockError(f"the mock at {self.url} is not healthy after {self._start_timeout} s")
            time.sleep(0.01)

    def _log_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].decode("utf-8", "replace").strip()


def _flags(settings: Mapping[str, Optional[object]]) -> List[str]:
    flags: List[str] = []
    for name, value in settings.items():
        if value is not None:
            flags += ["--" + name.replace("_", "-"), str(value)]
    return flags


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    """The first line the server prints (``listening main=... backup=...``), or "" when it exits first."""
    found: List[bytes] = []
    reader = threading.Thread(target=lambda: found.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0].decode().strip() if found else ""


def _drain(stream) -> None:
    for _ in iter(lambda: stream.read(65536), b""):
        pass
