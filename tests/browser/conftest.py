"""The browser fixtures (browser, page, login, axe_violations) live in tests/conftest.py, shared by
every module's browser tests."""
