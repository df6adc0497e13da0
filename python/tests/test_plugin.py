"""The pytest plugin as a user's suite meets it (pytester runs real pytest sessions)."""

from __future__ import annotations

import pytest

from ucontact_mock.pytest_plugin import SECTION, instance_name

A_TEST_OF_ITS_OWN = """
import json

def test_a_login_and_a_blacklist_entry(ucontact_mock):
    token = ucontact_mock.login("admin", "admin")
    reply = ucontact_mock.post("admin/addblack", {"blacklist": {"phone": "5550001", "campaign": "*"}}, token=token)
    assert reply.body == "1"
    mine = [r for r in ucontact_mock.state("blacklist") if r["phone"] == "5550001"]
    assert len(mine) == 1, "another test's entry leaked into this instance"
"""


def test_each_test_gets_a_fresh_instance_of_its_own(pytester):
    pytester.makepyfile(test_one=A_TEST_OF_ITS_OWN, test_two=A_TEST_OF_ITS_OWN)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_tests_are_apart_under_xdist(pytester):
    pytester.makepyfile(**{f"test_{n}": A_TEST_OF_ITS_OWN for n in range(6)})
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_a_failing_test_reports_the_requests_it_sent_and_their_answers(pytester):
    pytester.makepyfile(
        """
        def test_it_fails(ucontact_mock):
            ucontact_mock.post("Supervisor/queuesummary", token="not-a-token")
            token = ucontact_mock.login("admin", "admin")
            reply = ucontact_mock.post("Dialers/Respool", {"callspool": {"campaign": "Nope"}}, token=token)
            assert reply.body == "1"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            f"*{SECTION}*",
            "#1 2026-01-05 09:00:00 POST /Integra/resources/Supervisor/queuesummary",
            "    -> 401 *",
            "    X-Mock-Reason: *",
            "#2 * POST /Integra/resources/auth/getUserToken password=* user=admin",
            "#3 * POST /Integra/resources/Dialers/Respool callspool=*Nope*",
            "    -> 200 0",
            "    X-Mock-Reason: *",
        ]
    )


def test_a_passing_test_reports_nothing(pytester):
    pytester.makepyfile(
        """
        def test_it_passes(ucontact_mock):
            ucontact_mock.login("admin", "admin")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=1)
    assert SECTION not in result.stdout.str()


def test_markers_give_a_test_its_own_world_and_clock(pytester):
    pytester.makepyfile(
        """
        import pytest

        WORLD = {
            "users": [{"user": "boss", "password": "secret", "name": "Boss", "profile": "supervisor"}],
            "agents": [{"user": "ana", "name": "Ana", "phone": "2001", "tech": "SIP", "context": "agentes"}],
            "campaigns": [{"name": "Solo<-", "kind": "inbound", "strategy": "linear", "slevelthreshold": 10,
                           "wrapup": 0, "callerid": "1", "did": "2", "hours": "08:00-21:00",
                           "members": [{"agent": "ana"}]}],
            "dispositions": [{"campaigns": ["Solo<-"], "options": [{"l1": "Hecho", "action": "none"}]}],
            "history": {"days": 0, "calls_per_day": 0},
        }

        @pytest.mark.ucontact_mock_world(WORLD)
        @pytest.mark.ucontact_mock_clock("2026-01-20 08:30:00")
        def test_own_world(ucontact_mock):
            token = ucontact_mock.login("boss", "secret")
            queues = ucontact_mock.post("Supervisor/queuesummary", token=token).json()
            assert [q["queue"] for q in queues[:-1]] == ["Solo<-"]
            assert ucontact_mock.clock.now()["now"] == "2026-01-20 08:30:00"

        def test_default_world(ucontact_mock):
            ucontact_mock.login("admin", "admin")
            assert ucontact_mock.clock.now()["now"] == "2026-01-05 09:00:00"
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_clock_start_option_starts_the_server_there(pytester):
    pytester.makepyfile(
        """
        def test_clock(ucontact_mock):
            assert ucontact_mock.clock.now()["now"] == "2025-06-01 10:00:00"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ucontact-mock-clock-start=2025-06-01 10:00:00")
    result.assert_outcomes(passed=1)


def test_an_external_server_is_used_by_url(pytester):
    from ucontact_mock import Mock

    pytester.makepyfile(
        """
        def test_uses_it(ucontact_mock, ucontact_mock_server):
            assert ucontact_mock_server._process is None, "nothing was started"
            ucontact_mock.login("admin", "admin")
        """
    )
    with Mock() as running:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--ucontact-mock-url={running.url}")
        result.assert_outcomes(passed=1)


def test_a_tests_instance_is_deleted_after_it(pytester):
    from ucontact_mock import Mock

    pytester.makepyfile(
        """
        def test_one(ucontact_mock, ucontact_mock_server):
            ucontact_mock.login("admin", "admin")
            assert ucontact_mock.name in [i["instance"] for i in ucontact_mock_server.instances()]
        """
    )
    with Mock() as running:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--ucontact-mock-url={running.url}")
        result.assert_outcomes(passed=1)
        assert [i["instance"] for i in running.instances()] == ["default"]


@pytest.mark.parametrize(
    "nodeid",
    ["tests/test_a.py::test_x", "tests/test_a.py::test_x[param-1]", "t.py::" + "y" * 200, "t.py::ÄÖ"],
)
def test_instance_names_are_valid_and_unique(nodeid):
    import re

    name = instance_name(nodeid)
    assert re.fullmatch(r"[a-z0-9-]{1,63}", name), name
    assert name != instance_name(nodeid + "x")


def test_the_session_ends_with_the_coverage_summary_and_fails_under_its_threshold(pytester):
    pytester.makepyfile(test_one=A_TEST_OF_ITS_OWN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ucontact-mock-coverage")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*ucontact-mock: contract coverage*",
            "## Contract coverage: 2 of * branches (*%)",
            "| `admin/addblack` | 1 | 1 of 9 | 11.1% |",
        ]
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--ucontact-mock-fail-under", "50")
    result.assert_outcomes(passed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["FAILED: *% of the mock's branches exercised (2 of *), under --ucontact-mock-fail-under 50"]
    )
