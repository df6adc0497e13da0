"""The pytest plugin (entry point ``pytest11``): one mock a session, one instance a test.

Fixtures:

- ``ucontact_mock_server`` (session): the server, started from the bundled binary with the CI
  settings, or the one ``--ucontact-mock-url`` names (a CI service container). Under pytest-xdist
  each worker has its own.
- ``ucontact_mock`` (function): an instance of its own for the test, named from its node id, fresh
  from the fixtures, deleted afterwards. Requests of the code under test reach it with its
  ``headers`` (``X-Mock-Instance``).

Markers: ``@pytest.mark.ucontact_mock_world(world, messages=None)`` gives the test's instance a
``world.json`` of its own (a dict, or the path of a folder holding one);
``@pytest.mark.ucontact_mock_clock("2026-01-20 08:00:00")`` moves its clock there before the test
(forward from the server's clock start, at most 31 days: the control API's bound on one move; a
server the plugin starts begins at ``--ucontact-mock-clock-start``, which may be any date).

When a test fails, its report gets a section with each Integra request the test sent and what it got
back, ``X-Mock-Reason`` included.

``--ucontact-mock-coverage`` prints the server's contract coverage (docs/contract.md, section 13) at
the end of the session, as Markdown; ``--ucontact-mock-fail-under PCT`` also fails the session when
fewer than PCT percent of the branches the mock declares were exercised.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Iterator, List, Optional

import pytest

from .client import Client
from .mock import Mock

_INSTANCE = pytest.StashKey[Client]()
_COVERAGE = pytest.StashKey[dict]()
SECTION = "ucontact-mock: the Integra requests of this test"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ucontact-mock")
    group.addoption("--ucontact-mock-bin", default=None, help="the ucontact-mock binary (default: the bundled one)")
    group.addoption(
        "--ucontact-mock-url",
        default=os.environ.get("UCONTACT_MOCK_URL"),
        help="use the mock running at this URL instead of starting one (env UCONTACT_MOCK_URL)",
    )
    group.addoption("--ucontact-mock-seed", default="7", help="the seed of the server started (default 7)")
    group.addoption(
        "--ucontact-mock-coverage",
        action="store_true",
        help="print the mock's contract coverage at the end of the session",
    )
    group.addoption(
        "--ucontact-mock-fail-under",
        type=float,
        default=None,
        metavar="PCT",
        help="fail the session when the tests exercised less than PCT%% of the mock's declared branches",
    )
    group.addoption(
        "--ucontact-mock-clock-start",
        default=None,
        help="where the clock of the server started, and so each test's, begins, yyyy-MM-dd HH:mm:ss"
        " (default: the mock's, 2026-01-05 09:00:00)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ucontact_mock_world(world, messages=None): the test's instance gets these fixtures"
    )
    config.addinivalue_line(
        "markers", "ucontact_mock_clock(start): the test's instance's clock is moved there (at most 31 days on)"
    )


@pytest.fixture(scope="session")
def ucontact_mock_server(pytestconfig: pytest.Config) -> Iterator[Mock]:
    """The session's mock server."""
    url = pytestconfig.getoption("--ucontact-mock-url")
    if url:
        mock = Mock(url=url)
    else:
        settings = {"seed": pytestconfig.getoption("--ucontact-mock-seed")}
        start = pytestconfig.getoption("--ucontact-mock-clock-start")
        if start:
            settings["clock_start"] = start
        mock = Mock(binary=pytestconfig.getoption("--ucontact-mock-bin"), **settings)
    with mock:
        yield mock
        if pytestconfig.getoption("--ucontact-mock-coverage") or pytestconfig.getoption("--ucontact-mock-fail-under") is not None:
            pytestconfig.stash[_COVERAGE] = {
                "report": mock.coverage(everyone=True),
                "markdown": mock.coverage("md", everyone=True),
            }


@pytest.fixture
def ucontact_mock(request: pytest.FixtureRequest, ucontact_mock_server: Mock) -> Iterator[Client]:
    """An instance of the session's mock for this test alone, deleted after it."""
    instance = ucontact_mock_server.instance(instance_name(request.node.nodeid))
    world = request.node.get_closest_marker("ucontact_mock_world")
    if world is not None:
        fixtures = world.args[0] if world.args else world.kwargs["world"]
        messages = world.args[1] if len(world.args) > 1 else world.kwargs.get("messages")
        if isinstance(fixtures, (str, os.PathLike)):
            instance.fixtures(dir=os.fspath(fixtures))
        else:
            instance.fixtures(world=fixtures, messages=messages)
    else:
        instance.reset()
    clock = request.node.get_closest_marker("ucontact_mock_clock")
    if clock is not None:
        instance.clock.set(clock.args[0])
    request.node.stash[_INSTANCE] = instance
    yield instance
    instance.delete()
    instance.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    coverage = session.config.stash.get(_COVERAGE, None)
    threshold = session.config.getoption("--ucontact-mock-fail-under")
    if coverage is None or threshold is None:
        return
    if coverage["report"]["score"]["percent"] < threshold and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    coverage = config.stash.get(_COVERAGE, None)
    if coverage is None:
        return
    terminalreporter.section("ucontact-mock: contract coverage")
    terminalreporter.write_line(coverage["markdown"].rstrip())
    threshold = config.getoption("--ucontact-mock-fail-under")
    score = coverage["report"]["score"]
    if threshold is not None and score["percent"] < threshold:
        terminalreporter.write_line(
            f"FAILED: {score['percent']:.1f}% of the mock's branches exercised ({score['covered']} of "
            f"{score['declared']}), under --ucontact-mock-fail-under {threshold:g}",
            red=True,
        )


def instance_name(nodeid: str) -> str:
    """A name of ``[a-z0-9-]{1,63}`` for a test: readable, and unique through a hash of the node id."""
    digest = hashlib.sha1(nodeid.encode()).hexdigest()[:10]
    readable = re.sub(r"[^a-z0-9]+", "-", nodeid.rsplit("::", 1)[-1].lower()).strip("-")[:40].strip("-")
    return f"{readable}-{digest}" if readable else f"t-{digest}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    instance = item.stash.get(_INSTANCE, None)
    if instance is None or not report.failed or report.when != "call":
        return
    try:
        text = describe(instance.requests())
    except Exception as e:  # the server may be what failed: say so, never hide the test's own error
        text = f"(the journal of instance {instance.name} could not be read: {e})"
    report.sections.append((SECTION, text))


def describe(entries: List[dict]) -> str:
    """The journal entries as lines a failing test's reader takes in at once."""
    if not entries:
        return "(none: the test sent no Integra request to its instance)"
    lines = []
    for e in entries:
        form = " ".join(f"{k}={v}" for k, v in e.get("form", {}).items())
        lines.append(f"#{e['seq']} {e['clock_time']} {e['method']} {e['path']} {form}".rstrip())
        lines.append(f"    -> {e['status']} {e['answer']}")
        reason: Optional[str] = e.get("reason")
        if reason:
            lines.append(f"    X-Mock-Reason: {reason}")
    return "\n".join(lines)
