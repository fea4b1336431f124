"""Browser tests: Debian's chromium driven by Playwright against a live test server.

A package (this file) so that ``tests/browser/conftest.py`` is imported as
``browser.conftest`` and does not take the module name ``conftest`` from ``tests/conftest.py``.
"""
