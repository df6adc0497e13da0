"""The Python recipes of docs/recipes.md, run as they stand: the docs are the tested code."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

RECIPES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "recipes.md"
BLOCK = re.compile(r"<!-- tested: (\w+) -->\n```python\n(.*?)```", re.S)


def recipes(kind: str) -> list:
    return [code for tag, code in BLOCK.findall(RECIPES.read_text()) if tag == kind]


def test_the_recipes_are_there():
    assert len(recipes("pytest")) == 3 and len(recipes("python")) == 1


@pytest.mark.parametrize("code", recipes("pytest"), ids=lambda code: re.search(r"def (test_\w+)", code)[1])
def test_a_pytest_recipe_passes(pytester, code):
    pytester.makepyfile(test_recipe=code)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize("code", recipes("python"))
def test_a_script_recipe_runs(tmp_path, code):
    script = tmp_path / "recipe.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
