"""Browser tests: Debian's chromium driven by Playwright against a live test server.

A package (this file) so that this folder's conftest.py and helpers have their own module
names and do not clash with ``tests/conftest.py``.
"""
