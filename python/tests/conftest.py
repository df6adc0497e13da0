"""The helper's own tests run against the installed package (a wheel in a fresh environment)."""

pytest_plugins = ["pytester"]
