"""The console's browser fixtures (Debian's Chromium through Playwright, axe-core)."""

from tests.e2e.console.conftest import browser  # noqa: F401
