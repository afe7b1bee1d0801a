"""Makes the vendored thesaurus of the search box (generator/thesauri/sudachi.tsv.gz) from its npm package:
`make thesaurus` fetches sudachi-synonyms-dictionary with npm and runs this on the unpacked package. Not a test; the
build reads only what this writes (no npm, no network), and nobody edits that file by hand.

    python benchmarks/refresh_thesaurus.py PACKAGE_FOLDER generator/thesauri

The package's JSON (SudachiDict's synonyms.txt, parsed) has each group's words with their flags; what the build uses
of it is kept, in the format generator/thesaurus.py documents and reads: per word its sense in the group (the
vocabulary number), and whether it leads to the others (expandControl 0) or is only led to (1); words never expanded
(2) are left out, and so are groups left with one word. Each word is written as the search box cuts it. The
package's licence is copied beside it, with a notice of what was changed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.search import normalise, runs  # noqa: E402
from generator.thesaurus import LEADS, LED, Thesaurus  # noqa: E402

NAME = "sudachi"
SOURCE = "https://github.com/WorksApplications/SudachiDict/blob/develop/src/main/text/synonyms.txt"
NOTICE = """\
{file} is derived from SudachiDict's synonym dictionary (synonyms.txt),
Copyright (c) 2017 Works Applications Co., Ltd., licensed under the Apache License, Version 2.0
(see {licence}), as published on npm by azu: {package} {version} ({homepage}).
Source: {source}

Changed from the source by benchmarks/refresh_thesaurus.py: only each word, its sense (vocabulary number) and
whether it leads to the other words of its group (expandControl 0 or 1) are kept; the words never expanded
(expandControl 2) and the groups left with one word are left out; each word is written as the search box cuts it
(its runs of one script, NFKC-normalised and lower-cased, separated by spaces); the words are indexed.
"""


def groups(dictionary: list[dict]) -> list[list[str]]:
    """Each group's words as the thesaurus file writes them ("<sense><*?> <word>"), those never expanded left out."""
    kept = []
    for group in dictionary:
        words = []
        for item in group["items"]:
            if item["expandControl"] not in (0, 1):
                continue
            word = " ".join(runs(item["midashi"]))  # as the search box cuts it
            if len(word.replace(" ", "")) < sum(c.isalnum() for c in normalise(item["midashi"])):
                continue  # a letter the box reads as no word's (résumé): never typed alike
            flag = LEADS if item["expandControl"] == 0 else LED
            entry = f"{item['vocabularyNumber'] or 0}{flag} {word}"
            if word and entry not in words:
                words.append(entry)
        if len({entry.split(" ", 1)[1] for entry in words}) > 1:
            kept.append(words)
    return kept


def header(package: dict) -> str:
    return "".join(
        f"# {line}\n"
        for line in (
            f"{NAME}: SudachiDict's synonym dictionary (Works Applications Co., Ltd., Apache License 2.0),",
            f"from the npm package {package['name']} {package['version']}; see {NAME}.NOTICE and {NAME}.LICENSE.",
            "Made by `make thesaurus` (benchmarks/refresh_thesaurus.py): never edited by hand.",
            *Thesaurus.FORMAT,
        )
    )


def refresh(source: Path, target: Path) -> Path:
    """Writes the thesaurus, its licence and notice into `target` from the unpacked npm package `source`."""
    package = json.loads((source / "package.json").read_text(encoding="utf-8"))
    dictionary = json.loads((source / "sudachi-synonyms-dictionary.json").read_text(encoding="utf-8"))
    text = Thesaurus.write(header(package), groups(dictionary))
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{NAME}.tsv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    shutil.copyfile(source / "LICENSE", target / f"{NAME}.LICENSE")
    notice = NOTICE.format(
        file=path.name,
        licence=f"{NAME}.LICENSE",
        package=package["name"],
        version=package["version"],
        homepage=package.get("homepage", ""),
        source=SOURCE,
    )
    (target / f"{NAME}.NOTICE").write_text(notice, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package (its folder `package/`)")
    parser.add_argument("target", type=Path, help="where the thesaurus goes (generator/thesauri)")
    args = parser.parse_args()
    print(refresh(args.package, args.target))


if __name__ == "__main__":
    main()
