"""Stage 4, render: turn the linked data into one Markdown page per Page and language, through Jinja templates.

Text from the data is escaped here and only here: Markdown and HTML specials are shown as themselves, `@`
references become links, glossary terms get a tooltip and a link at their first use on a page.

One rule for every template: whatever a template prints goes through `escape_markdown` (the environment's
`finalize`), unless it is Markup made here — the renderer's text, links and URLs, an `html`-escaped value,
or the JSON that `tojson` writes. So a ui.yaml string, a field of the data or a number printed as `{{ x }}` can
never become a link, an attribute (attr_list's `{: ... }`), raw HTML or Markdown structure. Where Markdown does not
apply — inside a quoted HTML attribute, or in a raw HTML block — a template writes `{{ x|html }}` (HTML escaping only:
Markdown escapes would show there as backslashes).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import schema
from .i18n import Language
from .link import Key, Linked, TermFinder, segments
from .overlay import Applied
from .pages import Page, anchor_slug, label_of, relative_md, relative_url, target_of

TEMPLATES = Path(__file__).parent / "templates"
# Markdown's and HTML's specials, written as character references: a reference is the character itself in every
# place a template may put text — Markdown text, a table cell, a raw HTML block, a quoted attribute — while Markdown
# sees no bracket, brace, asterisk or bar in it (a backslash escape would show as a backslash outside Markdown).
SPECIALS = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]{}#|!"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;",
                         '"': "&quot;", "'": "&#39;"})  # fmt: skip
# What would start a block at the start of a line: "1. " (ordered list), "-" "+" (bullet, rule), "=" (setext
# heading), "?" (details). "#", ">" and "*" are specials anyway.
LINE_START = re.compile(r"^(\s*)(?:([0-9]+)\.(?=\s|$)|([-+=?]))", re.MULTILINE)


def html_text(text: str) -> str:
    """Text for the values handed to MkDocs and Material (site name, page and navigation titles, tags, language
    names), which their templates print unescaped, in text and in quoted attributes alike (`aria-label="{{
    config.site_name }}"`): escaped for both, quotes included. Where a theme template escapes such a value again
    (`title="{{ config.site_name | e }}"`), generator/mkdocs_hooks.py has made it Markup, which is not escaped twice."""
    return html.escape(text, quote=True)


def escape_markdown(text: str) -> str:
    """Plain text that Markdown and HTML show exactly as written, wherever a template puts it: running text, a
    heading, a table cell, a link label, an admonition title, a raw HTML block, a quoted attribute."""
    text = LINE_START.sub(_line_start, text.translate(SPECIALS))
    return text.replace("\n", "<br>")


def _line_start(match: re.Match) -> str:
    indent, number, mark = match.groups()
    return f"{indent}{number}&#46;" if number else f"{indent}&#{ord(mark)};"


def escape_html(text: str) -> Markup:
    """Text where Markdown does not apply: a quoted HTML attribute (title, aria-label, href) or the content of a raw
    HTML block. HTML specials and quotes are escaped; Markdown escapes would only show as backslashes there."""
    return Markup(html.escape(str(text), quote=True))


def _finalize(value: object) -> Markup:
    """What a template prints: Markup as it is (see the module's docstring), anything else escaped as text."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(escape_markdown(str(value)))


@dataclass
class TermMatcher:
    """Finds the glossary terms of a text that a page has not marked yet; shared by every page of a build."""

    glossary: list[schema.GlossaryTerm]

    def __post_init__(self) -> None:
        self.finder = TermFinder(self.glossary)
        self.link_template = environment().get_template("_term_link.html.j2")

    def matches(self, text: str, skip: set[str]) -> list[tuple[int, int, schema.GlossaryTerm]]:
        """The first match of each term not in `skip`, leftmost-longest and non-overlapping."""
        chosen, seen = [], set(skip)
        for start, stop, term in self.finder.finditer(text):
            if term.id not in seen:
                seen.add(term.id)
                chosen.append((start, stop, term))
        return chosen


@dataclass
class PageRenderer:
    """What templates call to turn data into Markdown for one page in one language."""

    linked: Linked
    language: Language
    page: Page
    terms: TermMatcher
    marked_terms: set[str] = field(default_factory=set)
    organisation: Applied | None = None  # an organisation's overlay: its values of the controls' parameters

    # -- text
    def text(self, text: schema.Text | None, mark_terms: bool = True) -> Markup:
        if text is None:
            return Markup("")
        return Markup(self._render(self.language.text(text), mark_terms))

    def plain(self, text: schema.Text | str | None) -> Markup:
        """Text without links or term marks (titles, table headers, link labels)."""
        if text is None:
            return Markup("")
        raw = text if isinstance(text, str) else self.language.text(text)
        return Markup(escape_markdown(raw.replace("@@", "@")))

    def attribute(self, text: schema.Text | str) -> Markup:
        return escape_html(text if isinstance(text, str) else self.language.text(text))

    def _render(self, raw: str, mark_terms: bool) -> str:
        out = []
        for segment in segments(raw, self.linked.vocabulary):
            if segment.key and segment.key.kind == "param":
                out.append(self.param_value(self.linked.index.params[segment.key.id]))
            elif segment.key:
                out.append(self.link(segment.key))
            elif segment.bold:
                out.append(f"**{self._marked(segment.text, mark_terms)}**")
            elif segment.emphasis:
                out.append(f"<em>{self._marked(segment.text, mark_terms)}</em>")  # also inside raw HTML
            else:
                out.append(self._marked(segment.text, mark_terms))
        return "".join(out)

    def _marked(self, raw: str, mark_terms: bool) -> str:
        if not mark_terms or not raw:
            return escape_markdown(raw)
        out, position = [], 0
        for start, stop, term in self.terms.matches(raw, self.marked_terms):
            self.marked_terms.add(term.id)
            out.append(escape_markdown(raw[position:start]))
            href = relative_url(self.page.path, "glossary.md", f"term-{term.id}")
            tip = short_definition(self.language.text(term.definition))
            label = Markup(escape_markdown(raw[start:stop]))
            out.append(self.terms.link_template.render(href=href, tip=tip, label=label))
            position = stop
        out.append(escape_markdown(raw[position:]))
        return "".join(out)

    # -- a control's parameters
    def param_value(self, param: schema.Parameter, table: bool = False) -> Markup:
        """A parameter as a reader sees it: the organisation's value (marked as its own), the catalog's value, or
        what is to be assigned or selected; inline it links to its row in the control's table of parameters."""
        t = self.language.t
        own = self.linked_values(param)
        if own:
            shown = escape_markdown(t("punct.list").join(own))
            return Markup(f'<span class="kb-param kb-param--own" title="{escape_html(t("own.label"))}">{shown}</span>')
        shown = escape_markdown(self.param_text(param))
        if table:
            return Markup(shown)
        href = self.href(Key("param", param.id))
        return Markup(f'<a class="kb-param" href="{href}">{shown}</a>')

    def param_text(self, param: schema.Parameter, within: frozenset[str] = frozenset()) -> str:
        """What a parameter says as plain text: its values, else its choices, else what is to be assigned. A
        parameter a choice inserts says its own text there (a link cannot hold a link), the organisation's values
        first; one inserting itself, through others or not, says its label."""
        t = self.language.t
        label = self.language.text(param.label) if param.label else param.id
        if param.values:
            return t("punct.list").join(param.values)
        if not param.select or param.id in within:
            return t("param.assign").format(label=label)
        inner = within | {param.id}
        choices = []
        for choice in param.select.choices:
            pieces = []
            for segment in segments(self.language.text(choice), self.linked.vocabulary):
                if segment.key and segment.key.kind == "param":
                    nested = self.linked.index.params[segment.key.id]
                    own = self.linked_values(nested)
                    pieces.append(t("punct.list").join(own) if own else self.param_text(nested, inner))
                else:
                    pieces.append(self.label(segment.key) if segment.key else segment.text)
            choices.append("".join(pieces))
        return t(f"param.select_{param.select.how_many.replace('-', '_')}").format(choices=t("param.or").join(choices))

    def linked_values(self, param: schema.Parameter) -> list[str]:
        """The values the organisation's overlay sets for the parameter."""
        return self.organisation.parameter_values.get(param.id, []) if self.organisation else []

    @staticmethod
    def anchor_slug(part_id: str) -> str:
        return anchor_slug(part_id)

    # -- links
    def href(self, key: Key | str, anchor: str = "") -> Markup:
        """Relative URL of a Key, or of a docs path given as a string, for an href attribute."""
        if isinstance(key, str):
            return escape_html(relative_url(self.page.path, key, anchor))
        path, key_anchor = target_of(self.linked, key)
        return escape_html(relative_url(self.page.path, path, anchor or key_anchor))

    def md(self, key: Key | str, anchor: str = "") -> Markup:
        """Markdown link target of a Key, or of a docs path given as a string (checked by MkDocs)."""
        if isinstance(key, str):
            return escape_html(relative_md(self.page.path, key, anchor))
        path, key_anchor = target_of(self.linked, key)
        return escape_html(relative_md(self.page.path, path, anchor or key_anchor))

    def label(self, key: Key) -> str:
        return label_of(self.linked, self.language, key)

    def link(self, key: Key) -> Markup:
        return Markup(f"[{escape_markdown(self.label(key))}]({self.md(key)})")

    def section_link(self, section_id: str) -> Markup:
        return self.link(Key("section", section_id))

    # -- reverse index, for the "referenced by" sections
    def incoming(self, key: Key, relation: str, kind: str | None = None) -> list[Key]:
        found = self.linked.index.incoming(key, relation)
        return [k for k in found if kind is None or k.kind == kind]

    def outgoing(self, key: Key, relation: str, kind: str | None = None) -> list[Key]:
        found = self.linked.index.outgoing(key, relation)
        return [k for k in found if kind is None or k.kind == kind]


def short_definition(definition: str) -> str:
    """The first sentence: enough for a tooltip."""
    match = re.match(r"(.+?[。.](?=\s|$|[^0-9]))", definition, re.DOTALL)
    first = match.group(1) if match else definition
    plain = re.sub(r"@(?:[a-z]+:)?([A-Za-z0-9.-]+)", r"\1", first).replace("**", "")
    return plain if len(plain) <= 160 else plain[:157] + "…"


def environment(folders: tuple[Path, ...] = ()) -> jinja2.Environment:
    """The pages' templates: the generator's, then those of the features that bring their own (Feature.templates)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES, *folders]),
        autoescape=True,  # and then some: `finalize` escapes for Markdown as well
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["Key"] = Key
    env.filters["html_text"] = html_text
    env.filters["html"] = escape_html
    env.globals["heading_marks"] = lambda level: Markup("#" * level)  # Markdown structure, not text
    return env


def render_page(env: jinja2.Environment, linked: Linked, language: Language, page: Page, terms: TermMatcher,
                shared: dict) -> str:  # fmt: skip
    renderer = (page.renderer or PageRenderer)(linked, language, page, terms)
    renderer.organisation = shared.get("organisation")
    template = env.get_template(page.template)
    return template.render(
        page=page,
        r=renderer,
        t=language.t,
        lang=language,
        kb=linked.kb,
        index=linked.index,
        **shared,
        **page.context.values(),
    )
