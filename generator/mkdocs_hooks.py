"""MkDocs hooks of the generator; write.py names this file in every language's config.

Values from the data reach the theme's templates already escaped for text and attributes alike (render.html_text);
`on_env` makes them Markup, so that a template that escapes them again (`title="{{ config.site_name | e }}"`)
prints them once escaped, as written, and keeps `striptags` from undoing their escaping.

Every page's links to folders name the folder's index.html, so that the site also works opened from a folder
(generator/offline.py).

A page that hides its table of contents (the print page) has none in its HTML either: Material writes a hidden one
twice (the sidebar, and the navigation's copy for small screens), one link per heading; on the print page of a
1,200-control catalog that was 12,000 of its 26,000 elements.

A Markdown file under downloads/ is a download (e.g. a template to edit), not a page: MkDocs would render it to
HTML, so it is handed over as a plain file that MkDocs copies byte for byte, keeping its name and its `.md` URL.
"""

from __future__ import annotations

from markupsafe import Markup
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import TableOfContents

from generator import offline, search

DOWNLOADS = "downloads/"


class Download(File):
    def is_documentation_page(self) -> bool:
        return False


def on_files(files: Files, config) -> Files:
    for file in [f for f in files if f.src_uri.startswith(DOWNLOADS) and f.is_documentation_page()]:
        files.remove(file)
        files.append(
            Download(
                file.src_uri,
                file.src_dir,
                file.dest_dir,
                file.use_directory_urls,
                dest_uri=file.src_uri,
                inclusion=file.inclusion,
            )  # fmt: skip
        )
    return files


def on_config(config):
    """The toc extension's permalink title in the page's language (Python-Markdown's default is English): the
    shared mkdocs.yml lists the extensions once, each language's config names the title (extra.kb_permalink_title)."""
    title = config.extra.get("kb_permalink_title")
    for name in ("toc", "markdown.extensions.toc"):
        if title and name in config.mdx_configs:
            config.mdx_configs[name] = {**config.mdx_configs[name], "permalink_title": title}
    return config


def on_env(env, config, files):
    """The search words that overrides/main.html writes invisibly on every page (see generator/search.py), and the
    values from the data as Markup (see the module's docstring)."""
    env.filters["kb_index_words"] = search.index_words
    stop = search.runs(config.extra.get("kb_stop_words", ""))
    env.filters["kb_title_words"] = lambda title: search.title_words(Markup(title).unescape(), stop)
    env.filters["striptags"] = striptags
    config.site_name = Markup(config.site_name)
    for page in (file.page for file in files.documentation_pages() if file.page is not None):
        if isinstance(page.meta.get("title"), str):
            page.meta["title"] = Markup(page.meta["title"])
        if isinstance(page.title, str):  # from the navigation, else the front matter
            page.title = Markup(page.title)
    return env


def striptags(value) -> Markup:
    """Jinja's `striptags` gives the text unescaped, which the theme then prints as HTML (`<title>{{ page.title |
    striptags }}`): here it stays escaped."""
    return Markup.escape(Markup(str(value)).striptags())


def on_page_context(context, page, config, nav):
    if "toc" in (page.meta.get("hide") or ()):
        page.toc = TableOfContents([])
    return context


def on_post_page(output: str, page, config) -> str:
    return offline.directory_links(output)
