"""MkDocs hooks of the generator; write.py names this file in every language's config.

A Markdown file under downloads/ is a download (e.g. a template to edit), not a page: MkDocs would render it to
HTML, so it is handed over as a plain file that MkDocs copies byte for byte, keeping its name and its `.md` URL.
"""

from __future__ import annotations

from mkdocs.structure.files import File, Files

from generator import search

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
    """The search words that overrides/main.html writes invisibly on every page (see generator/search.py)."""
    env.filters["kb_index_words"] = search.index_words
    env.filters["kb_title_words"] = search.title_words
    return env
