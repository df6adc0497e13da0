"""ucontact-mock from Python: the emulator's binary, a client of its control API, and a pytest plugin.

    from ucontact_mock import Mock

    with Mock() as mock:
        token = mock.login("admin", "admin")
        assert mock.post("Supervisor/queuesummary", token=token).status == 200

In pytest, the ``ucontact_mock`` fixture gives each test an instance of its own (see
``ucontact_mock.pytest_plugin``).
"""

from importlib.metadata import PackageNotFoundError, version

from ._binary import find_binary
from .client import Client, Clock, Faults, MockError, MockTimeout, Reply
from .mock import CI_SETTINGS, Mock

try:
    __version__ = version("ucontact-mock")
except PackageNotFoundError:  # run from a source tree
    __version__ = "0+unknown"

__all__ = ["CI_SETTINGS", "Client", "Clock", "Faults", "Mock", "MockError", "MockTimeout", "Reply", "find_binary"]
