"""Command line: `python -m generator build | serve | check` (also installed as a console command, see pyproject)."""

from __future__ import annotations

import argparse
import errno
import os
import re
import shutil
import sys
import time
from pathlib import Path

from .errors import DataError, Problem
from .layout import Paths
from .uptodate import nothing_changed, up_to_date


def main(argv: list[str] | None = None) -> int:
    # --project and --data are accepted before and after the command (`build --data DIR`).
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--project", type=Path, default=argparse.SUPPRESS,
                       help="the knowledge base's folder (default: the one holding --data, else here); it may bring "
                       "its own mkdocs.yml, overrides/ and docs/assets/")  # fmt: skip
    where.add_argument("--data", type=Path, default=argparse.SUPPRESS,
                       help="the data folder (default: guideline_data/ in the project)")  # fmt: skip
    where.add_argument("--overlay", type=Path, default=argparse.SUPPRESS,
                       help="an organisation's own layer (notes, owners, internal references, pages) to build "
                       "beside the guideline (default: kb.yaml's overlay, if it names one)")  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__, parents=[where])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="validate the data and every cross-reference, build nothing", parents=[where])
    build_cmd = commands.add_parser("build", help="build the site into site/ (replaced only on success)",
                                    parents=[where])  # fmt: skip
    build_cmd.add_argument("--site-dir", type=Path, help="where to put the site (default: site/)")
    release_cmd = commands.add_parser("release", help="build the site and write it as a versioned zip into release/, "
                                      "to open from a folder or put on a server", parents=[where])  # fmt: skip
    release_cmd.add_argument("--out", type=Path, help="where to write the zip (default: release/)")
    serve_cmd = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild when a file changes",
                                    parents=[where])  # fmt: skip
    new_cmd = commands.add_parser("new", help="start a knowledge base in a new folder, from the fictional example")
    new_cmd.add_argument("folder", type=Path, help="the new knowledge base's folder (must not exist, or be empty)")
    import_cmd = commands.add_parser("import", help="make a knowledge base folder from an OSCAL catalog and profiles")
    import_cmd.add_argument("catalog", type=Path, help="the OSCAL catalog (JSON or YAML, OSCAL 1.0 or 1.1)")
    import_cmd.add_argument("folder", type=Path, help="the new knowledge base's folder (must not exist, or be empty)")
    import_cmd.add_argument("--profile", type=Path, action="append", default=[],
                            help="an OSCAL profile (a baseline) of the catalog: a named selection and a checklist; "
                            "may be given several times")  # fmt: skip
    import_cmd.add_argument("--language", help="the catalog's language as a BCP 47 code (en, ja, …) if it does not "
                            "say")  # fmt: skip
    import_cmd.add_argument("--interface", help="where the generator's interface strings are not written in the "
                            "catalog's language: the language to show them in (en, ja, …) until the knowledge base's "
                            "ui.yaml writes them")  # fmt: skip
    rollup_cmd = commands.add_parser("rollup", help="put the answers files of many units side by side in a workbook",
                                     parents=[where])  # fmt: skip
    rollup_cmd.add_argument("files", type=Path, nargs="+", help="answers files: JSON from the site, or its workbooks")
    rollup_cmd.add_argument("-o", "--output", type=Path, required=True, help="the roll-up workbook to write (.xlsx)")
    rollup_cmd.add_argument("--language", help="the workbook's language (default: the knowledge base's first)")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--prefix", default="/", help="URL prefix to serve under, e.g. /sec/guideline/")
    serve_cmd.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                           help="a host name to answer besides 127.0.0.1, localhost and [::1] (e.g. a name of this "
                           "machine that a proxy in front of serve uses); may be given again")  # fmt: skip
    args = parser.parse_args(argv)
    given = {name: getattr(args, name, None) for name in ("project", "site_dir", "data", "overlay")}
    paths = Paths.of(given["project"], given["site_dir"], given["data"], given["overlay"])
    try:
        if args.command == "new":
            data = scaffold(args.folder)
            print(f"created {data}: edit kb.yaml first, then `{_command()} check --data {data}`")
        elif args.command == "import":
            from .import_oscal import import_catalog

            _empty_folder(args.folder)
            report = import_catalog(args.catalog, args.profile, args.language, args.folder, args.interface)
            data = args.folder / "guideline_data"
            print(f"created {data} from {args.catalog}:")
            for line in report.lines():
                print(f"  {line}")
            from .build import load_knowledge_base

            linked = load_knowledge_base(data)
            print(f"ok: {len(linked.kb.sections)} sections, {len(linked.index.links)} links; "
                  f"now `{_command()} build --data {data}`")  # fmt: skip
        elif args.command == "rollup":
            from .build import load_knowledge_base
            from .i18n import Language
            from .rollup import read_files, report

            linked = load_knowledge_base(paths.data)
            codes = linked.kb.config.languages
            if args.language and args.language not in codes:
                raise DataError([Problem("--language", None, f"'{args.language}' is not a language of this knowledge "
                                         "base", f"use one of {', '.join(codes)}")])  # fmt: skip
            units = read_files(linked, args.files)
            args.output.write_bytes(report(linked, units, Language.of(linked.kb, args.language or codes[0])))
            for unit in units:
                told = f"; {len(unit.gone)} items not in this edition (kept)" if unit.gone else ""
                print(f"{unit.file}: {unit.unit}, {len(unit.items)} answers{told}")
                for note in unit.notes:
                    print(f"note: {unit.file}: {note}", file=sys.stderr)
            print(f"wrote {args.output}: {len(units)} units")
        elif args.command == "check":
            from .build import apply_overlay, load_knowledge_base

            linked = load_knowledge_base(paths.data)
            kb = linked.kb
            overlay = apply_overlay(linked, paths)
            print(f"ok: {len(kb.sections)} sections, {len(kb.glossary)} terms, {len(kb.references)} references, "
                  f"{len(kb.errata)} errata, {len(kb.checklists)} checklists, {len(kb.templates)} templates, "
                  f"{len(linked.index.links)} links")  # fmt: skip
            if overlay:
                print(f"overlay: {len(overlay.overlay.annotations)} annotations, {len(overlay.review)} to review")
                _notices(overlay.notices)
        elif args.command == "build":
            start = time.perf_counter()
            found = up_to_date(paths)  # before the stages are imported: a build with nothing to do does nothing
            if found is not None:
                print(nothing_changed(paths.site, found, time.perf_counter() - start))
                return 0
            from .search_index import SearchIndex, read_titles

            search = SearchIndex()  # its services launch and load each language's dictionary while the stages load
            search.warm(read_titles(paths.data))
            try:
                from .build import build

                report = build(paths, search=search)
            finally:
                search.close()
            if report.unchanged is not None:
                print(nothing_changed(paths.site, report.unchanged, report.timings["check"]))
                return 0
            _notices(report.notices)
            for stage, seconds in report.timings.items():
                print(f"{stage:>16}: {seconds:6.2f} s")
            print(f"pages: {report.pages}; site: {paths.site}")
        elif args.command == "release":
            from .release import release

            print(f"release: {release(paths, args.out)}")
        else:
            from .serve import serve

            serve(paths, args.port, args.prefix, args.allow_host)
    except DataError as error:
        # `new` is told what is wrong with the folder it was given, not with any data
        print(error if args.command != "new" else "\n".join(map(str, error.problems)), file=sys.stderr)
        if args.command in ("build", "serve", "release"):
            print(f"The build stopped; {_shown(paths.site)} was left as it was.", file=sys.stderr)
        return 1
    except OSError as error:  # a full disk, a folder this account may not write: said plainly, not as a traceback
        print(os_problem(error, paths), file=sys.stderr)
        if args.command in ("build", "serve", "release"):
            print(f"The build stopped; {_shown(paths.site)} was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"Interrupted; {_shown(paths.site)} was left as it was.", file=sys.stderr)
        return 130
    return 0


def _shown(folder: Path) -> str:
    """The site folder as the messages name it: relative to here when it is below here."""
    return f"{folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder}/"


# What to do about a file-system error, by its cause.
OS_FIXES = {
    errno.ENOSPC: "the disk is full: free some space on it and run it again",
    errno.EDQUOT: "this account's disk quota is used up: free some space and run it again",
    errno.EACCES: "this account may not do that there: let it read and write that folder, or name another one",
    errno.EPERM: "this account may not do that there: let it read and write that folder, or name another one",
    errno.EROFS: "that disk is mounted read-only: name a folder on a disk that can be written to",
    errno.ENOENT: "a file or folder on the way is missing (moved or deleted while this ran?): check the path and run "
    "it again",
    errno.ENAMETOOLONG: "a name on that path is longer than the file system allows: use shorter folder or file names",
    errno.ENOTDIR: "a part of that path is a file, not a folder: move the file away or name another folder",
    errno.EISDIR: "that path is a folder where a file was expected: move the folder away",
}


def os_problem(error: OSError, paths: Paths) -> str:
    """A file-system error as a message: the path it happened on (for a copy, the file being written), the cause as
    the system says it, and the fix for that cause."""
    if error.filename2 is not None:  # a copy or a rename: the second path is the one being written
        where = f"{error.filename2} (copying {error.filename} there)"
    elif error.filename is not None:
        where = str(error.filename)
    else:
        where = f"writing under {paths.build} or {paths.site}"
    cause = error.strerror or str(error)
    name = errno.errorcode.get(error.errno or 0, "")
    fix = OS_FIXES.get(error.errno, f"check that path ({name or 'error'}) and run it again")
    return f"{where}: {cause}\n    fix: {fix}"


def _command() -> str:
    """How this command was run: `guideline-kb` (or its alias), or `python -m generator`."""
    name = Path(sys.argv[0]).name
    return "python -m generator" if name == "__main__.py" else name


def _notices(notices: list[Problem]) -> None:
    """What the build wants the organisation to look at (it does not stop the build)."""
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)


# Small, fictional, every required file; shipped inside the package (examples/rail-demo links to it).
STARTER = Path(__file__).resolve().parent / "starter" / "guideline_data"


def _empty_folder(folder: Path) -> None:
    """`new` and `import` write only into a new or empty folder."""
    if os.path.lexists(folder) and not folder.is_dir():
        raise DataError([Problem(str(folder), None, "this is a file, not a folder: nothing was written",
                                 "name a new folder")])  # fmt: skip
    if folder.exists() and any(folder.iterdir()):
        raise DataError([Problem(str(folder), None, "the folder exists and is not empty: nothing was written",
                                 "name a new folder")])  # fmt: skip


def scaffold(folder: Path) -> Path:
    """`new DIR`, as `mkdocs new` does: DIR/guideline_data from the fictional starter, its slug named after DIR."""
    _empty_folder(folder)
    slug = re.sub(r"[^a-z0-9-]+", "-", folder.resolve().name.lower()).strip("-") or "knowledge-base"
    data = folder / "guideline_data"
    shutil.copytree(STARTER, data)
    config = data / "kb.yaml"
    text = re.sub(r"^slug: .*$", f"slug: {slug}", config.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    config.write_text(text, encoding="utf-8")
    return data
