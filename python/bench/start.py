"""What the Python helper costs beside the binary (run by scripts/python-check --bench).

1. ``with Mock() as m: m.health()`` to its first answer, beside the reference measured in the same
   round: the binary started directly with the same flags, its listening line read and
   ``GET /_mock/health`` answered over a new connection. Target: the ratio within 1.5x.
2. The plugin's per-test instance (name, reset, delete, as ``ucontact_mock`` does), beside the
   server's own instance creation: a raw ``POST /_mock/reset`` and ``DELETE`` over one connection.
   Target: no more than the reference plus 1 ms.

Medians of the rounds (``BENCH_ROUNDS``, default 21), the two of each round run back to back.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import time
import urllib.parse

from ucontact_mock import Mock
from ucontact_mock._binary import find_binary
from ucontact_mock.mock import CI_SETTINGS, _flags
from ucontact_mock.pytest_plugin import instance_name

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "21"))


def direct_start() -> float:
    """The reference: the binary alone, as a shell script would start it."""
    began = time.perf_counter()
    flags = ["--listen", "127.0.0.1:0", "--backup-listen", "127.0.0.1:0", *_flags(CI_SETTINGS)]
    process = subprocess.Popen([find_binary(), *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    line = process.stdout.readline().decode()
    main = dict(w.split("=", 1) for w in line.split()[1:])["main"]
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(main).netloc)
    connection.request("GET", "/_mock/health")
    assert connection.getresponse().status == 200
    took = time.perf_counter() - began
    connection.close()
    process.terminate()
    process.wait()
    return took


def helper_start() -> float:
    began = time.perf_counter()
    with Mock() as mock:
        mock.health()
        took = time.perf_counter() - began
    return took


def raw_instance(connection: http.client.HTTPConnection, name: str) -> float:
    began = time.perf_counter()
    for method, path, headers in (("POST", "/_mock/reset", {"X-Mock-Instance": name}),
                                  ("DELETE", f"/_mock/instances/{name}", {})):
        connection.request(method, path, headers=headers)
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 200, (method, path, reply.status)
    return time.perf_counter() - began


def plugin_instance(mock: Mock, nodeid: str) -> float:
    began = time.perf_counter()
    instance = mock.instance(instance_name(nodeid))
    instance.reset()
    instance.delete()
    instance.close()
    return time.perf_counter() - began


def main() -> None:
    starts = []
    for _ in range(ROUNDS):
        reference = direct_start()
        starts.append((reference, helper_start()))
    reference = statistics.median(r for r, _ in starts)
    helper = statistics.median(h for _, h in starts)
    ratio = statistics.median(h / r for r, h in starts)
    print(f"start to first answer, the binary directly (reference): {reference * 1000:.1f} ms")
    print(f"start to first answer, with Mock() as m: {helper * 1000:.1f} ms, {ratio:.2f}x"
          f" (target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})")

    with Mock() as mock:
        connection = http.client.HTTPConnection(urllib.parse.urlsplit(mock.url).netloc)
        rows = [(raw_instance(connection, f"raw-{n}"), plugin_instance(mock, f"tests/test_x.py::test_{n}"))
                for n in range(ROUNDS * 5)]
        connection.close()
    raw = statistics.median(r for r, _ in rows)
    plugin = statistics.median(p for _, p in rows)
    extra = statistics.median(p - r for r, p in rows)
    print(f"an instance made and deleted, raw control requests (reference): {raw * 1000:.2f} ms")
    print(f"an instance made and deleted, the plugin's way: {plugin * 1000:.2f} ms, +{extra * 1000:.2f} ms"
          f" (target <= +1 ms: {'met' if extra <= 0.001 else 'NOT met'})")


if __name__ == "__main__":
    sys.exit(main())
