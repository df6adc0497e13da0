"""ucontact_mock.Mock as a user meets it: the bundled binary started, driven, stopped."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sysconfig
import urllib.parse

import pytest

import ucontact_mock
from ucontact_mock import Mock, MockError, MockTimeout, find_binary

ADDBLACK = "/Integra/resources/admin/addblack"


@pytest.fixture(scope="module")
def mock():
    with Mock() as m:
        yield m


def test_the_wheel_puts_the_binary_on_path_and_the_package_finds_it():
    wanted = os.environ.get("UCONTACT_MOCK_BIN") or os.path.join(sysconfig.get_path("scripts"), "ucontact-mock")
    assert find_binary() == wanted
    assert os.access(wanted, os.X_OK)
    assert shutil.which("ucontact-mock") is not None, "the wheel put ucontact-mock on PATH"
    version = subprocess.run([wanted, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.strip() == f"ucontact-mock {ucontact_mock.__version__}"


def test_a_mock_answers_the_vendor_routes_and_stops_with_its_block():
    with Mock() as m:
        token = m.login("admin", "admin")
        reply = m.post("Supervisor/queuesummary", token=token)
        assert (reply.status, reply.content_type) == (200, "application/json; charset=UTF-8")
        summary = reply.json()
        assert summary[0]["queue"] and "internalActionId" in summary[-1]
        port = urllib.parse.urlsplit(m.url).port
        process = m._process
    assert process.poll() is not None, "the server is stopped after the block"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_the_control_api_drives_the_instance(mock):
    inst = mock.instance("control")
    token = inst.login("admin", "admin")
    entry = {"phone": "099111222", "campaign": "*"}
    reply = inst.post("admin/addblack", {"blacklist": entry}, token=token)
    assert (reply.status, reply.body) == (200, "1")
    assert [r["phone"] for r in inst.state("blacklist") if r["phone"] == "099111222"] == ["099111222"]
    assert inst.count(path=ADDBLACK, form={"blacklist": json.dumps(entry)}) == 1
    assert inst.wait(1, timeout=1, path=ADDBLACK) == 1
    journal = inst.requests(path=ADDBLACK)
    assert (journal[-1]["status"], journal[-1]["answer"]) == (200, "1")
    before = inst.clock.now()["now"]
    assert inst.clock.advance(60)["now"] > before
    assert inst.clock.set("2026-01-05 10:00:00")["now"] == "2026-01-05 10:00:00"
    inst.faults.add("/Integra/resources/Supervisor/queuesummary", answer="forced", times=1)
    assert inst.post("Supervisor/queuesummary", token=token).body == "forced"
    assert inst.post("Supervisor/queuesummary", token=token).status == 200
    inst.faults.clear()
    assert inst.faults.list() == []
    inst.reset()
    assert not [r for r in inst.state("blacklist") if r["phone"] == "099111222"]
    inst.delete()


def test_instances_are_apart(mock):
    a, b = mock.instance("apart-a"), mock.instance("apart-b")
    a.post("admin/addblack", {"blacklist": {"phone": "5551", "campaign": "*"}}, token=a.login("admin", "admin"))
    assert any(r["phone"] == "5551" for r in a.state("blacklist"))
    assert not any(r["phone"] == "5551" for r in b.state("blacklist"))
    for inst in (a, b):
        inst.delete()
    assert "apart-a" not in [i["instance"] for i in mock.instances()]


def test_refusals_are_exceptions_that_carry_the_servers_message(mock):
    with pytest.raises(MockError) as bad:
        mock.clock.advance(-5)
    assert bad.value.status == 400 and "advance must be a number of seconds" in bad.value.message
    with pytest.raises(MockTimeout) as late:
        mock.wait(1, timeout=0.2, path="/Integra/resources/never/sent")
    assert late.value.count == 0
    with pytest.raises(MockError, match="login of 'admin' refused"):
        mock.login("admin", "wrong")
    with pytest.raises(MockError, match='no table "no-such-table"'):
        mock.state("no-such-table")


def test_a_running_server_is_used_by_url_and_left_running(mock):
    other = Mock(url=mock.url)
    with other:
        assert other.health()["status"] == "ok"
    assert mock.health()["status"] == "ok"


def test_a_binary_that_cannot_start_is_said_with_its_own_words():
    with pytest.raises(MockError, match="did not start"):
        Mock(clock="sideways").start()
