"""Debian's Firefox ESR driven over WebDriver BiDi, the W3C protocol Firefox speaks itself: selenium's BiDi modules
(browsingContext, script, input, browser, session) on a connection to the browser's own endpoint.

No driver: Debian packages no geckodriver, and a driver fetched at test time is what the tests never do. Firefox
started with --remote-debugging-port serves BiDi on its own; selenium's classic WebDriver needs geckodriver to start
a session, its BiDi modules do not. (Playwright's BiDi Firefox, the other client at hand, sets media features at
every new context with a command Firefox ESR 153 does not have: emulation.setMediaFeaturesOverride.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

FIREFOX = "/usr/bin/firefox-esr"
LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
# A profile that never reaches out (no updates, telemetry, safe browsing, captive portal check, first-run pages).
PREFERENCES = {
    "app.update.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "browser.newtabpage.enabled": False,
    "intl.accept_languages": "ja-JP, ja",
}


class Firefox:
    """One headless Firefox ESR and one tab, driven over BiDi. `close()` ends the browser."""

    def __init__(self, profile: Path, downloads: Path, width: int = 1366, height: int = 900) -> None:
        from selenium.webdriver.common.bidi.browser import Browser
        from selenium.webdriver.common.bidi.browsing_context import BrowsingContext
        from selenium.webdriver.common.bidi.input import Input
        from selenium.webdriver.common.bidi.script import Script
        from selenium.webdriver.common.bidi.session import Session
        from selenium.webdriver.remote.websocket_connection import WebSocketConnection

        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in PREFERENCES.items()), "utf-8"
        )
        self.process = subprocess.Popen(
            [
                FIREFOX,
                "--headless",
                "--no-remote",
                "--remote-debugging-port=0",
                "--profile",
                str(profile),
                f"--width={width}",
                f"--height={height}",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={"HOME": str(profile), "PATH": "/usr/bin:/bin", "MOZ_CRASHREPORTER_DISABLE": "1"},
        )
        self.connection = None
        try:  # a start that fails half-way leaves no browser running
            endpoint = self._endpoint(timeout=180)  # a first start on a busy machine takes 40 s
            self.connection = WebSocketConnection(endpoint + "/session", 30, 0.05)
            Session(self.connection).new({"alwaysMatch": {"acceptInsecureCerts": False}})
            self.contexts = BrowsingContext(self.connection)
            self.script = Script(self.connection)
            self.input = Input(self.connection)
            Browser(self.connection).set_download_behavior(allowed=True, destination_folder=str(downloads))
            self.context = self.contexts.get_tree()[0].context
            self.contexts.set_viewport(context=self.context, viewport={"width": width, "height": height})
        except BaseException:
            self.close()
            raise

    def _endpoint(self, timeout: float) -> str:
        """The BiDi address Firefox prints on its standard error once it listens."""
        found: list[str] = []

        def read() -> None:
            for line in self.process.stderr:
                match = LISTENING.search(line)
                if match and not found:
                    found.append(match[1])

        threading.Thread(target=read, daemon=True).start()  # it keeps reading, so that the pipe never fills
        end = time.monotonic() + timeout
        while not found:
            if self.process.poll() is not None or time.monotonic() > end:
                exit_status = self.process.poll()
                raise RuntimeError(f"Firefox ESR did not start its WebDriver BiDi endpoint (exit {exit_status})")
            time.sleep(0.05)
        return found[0]

    def goto(self, url: str) -> None:
        self.contexts.navigate(context=self.context, url=url, wait="complete")

    def evaluate(self, expression: str, gesture: bool = False):
        """The value of a JavaScript expression in the page (a promise is awaited); JSON-able values only."""
        result = self.script.evaluate(
            expression=f"(async () => JSON.stringify(await ({expression})))()",
            target={"context": self.context},
            await_promise=True,
            user_activation=gesture,
        )
        if result.get("type") == "exception":
            raise AssertionError(f"{expression}: {result['exceptionDetails']['text']}")
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    def url(self) -> str:
        return self.evaluate("location.href")

    def wait_for(self, expression: str, timeout: float = 20) -> object:
        """Poll until the expression is truthy in the page (a new page may be loading meanwhile); its value."""
        end = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except Exception:  # noqa: BLE001 - the page is being replaced: ask the next one
                value = None
            if value or time.monotonic() > end:
                return value
            time.sleep(0.1)

    def loaded(self, condition: str) -> object:
        """Wait for a page that meets `condition` and has run its scripts (after a click that opens one)."""
        return self.wait_for(f"document.readyState === 'complete' && ({condition})")

    def keys(self, text: str) -> None:
        """Type `text` with the keyboard ("\\ue007" is Enter)."""
        steps = [step for key in text for step in ({"type": "keyDown", "value": key}, {"type": "keyUp", "value": key})]
        self.input.perform_actions(context=self.context, actions=[{"type": "key", "id": "keyboard", "actions": steps}])

    def close(self) -> None:
        try:
            if self.connection is not None:
                self.connection.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def available() -> bool:
    return shutil.which(FIREFOX) is not None
