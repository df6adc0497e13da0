"""Finding the ucontact-mock binary: the one this wheel installed, as ruff and uv find theirs."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

NAME = "ucontact-mock" + (".exe" if sys.platform == "win32" else "")


def find_binary() -> str:
    """The path of the ucontact-mock binary.

    ``UCONTACT_MOCK_BIN`` when set; else the binary this package's wheel put in the scripts folder of
    the environment it is installed in (or of the user scheme); else the first on ``PATH``.
    """
    override = os.environ.get("UCONTACT_MOCK_BIN")
    if override:
        if not os.path.isfile(override):
            raise FileNotFoundError(f"UCONTACT_MOCK_BIN is {override!r}, which is not a file")
        return override
    candidates = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user" if sys.version_info < (3, 10) else sysconfig.get_preferred_scheme("user")
    try:
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    except KeyError:
        pass
    for folder in candidates:
        path = os.path.join(folder, NAME)
        if os.path.isfile(path):
            return path
    on_path = shutil.which(NAME)
    if on_path:
        return on_path
    raise FileNotFoundError(
        "no ucontact-mock binary: install the ucontact-mock wheel, put the binary on PATH, "
        "or set UCONTACT_MOCK_BIN"
    )
