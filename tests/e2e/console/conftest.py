"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`),
axe-core for accessibility, and a record of everything the page's CSP refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()
SCREENSHOTS = os.environ.get("DOORSTEP_SCREENSHOTS", "")  # a folder: save the main screens


class Screen:
    """A page plus what the test checks on every screen: CSP refusals and accessibility."""

    def __init__(self, page, base: str):
        self.page, self.base, self.refused = page, base, []
        page.on("console", lambda msg: self._note(msg.text))
        page.on("pageerror", lambda exc: self.refused.append(f"page error: {exc}"))
        page.on("dialog", lambda dialog: (self.refused.append(f"dialog: {dialog.message}"),
                                          dialog.dismiss()))

    def _note(self, text: str) -> None:
        if "Content Security Policy" in text or "Refused to" in text:
            self.refused.append(text)

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def axe(self) -> list[dict]:
        """Serious and critical axe-core findings on the current screen (evaluated through
        the DevTools protocol, which the page's CSP does not govern)."""
        self.page.evaluate(AXE + "\n;0")
        result = self.page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in
                                                                 v["nodes"]][:3]}
                for v in result["violations"] if v["impact"] in ("serious", "critical")]

    def shot(self, name: str) -> None:
        """Save a screenshot of the screen when DOORSTEP_SCREENSHOTS names a folder."""
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def screen(browser, live_server):
    """A fresh browser context (its own cookies) on the live server."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded CI box: the solver and imports take seconds
    yield Screen(page, live_server)
    context.close()


def sign_in(screen: Screen, username: str, password: str):
    """Sign in through the form, as a person does."""
    page = screen.go("/console/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    return page
