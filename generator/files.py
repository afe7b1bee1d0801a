"""The one path policy for every file the generator reads, copies or serves from a folder it was given: the data, an
overlay and its logo, a knowledge base's own mkdocs.yml, overrides/ and docs/assets/, the build cache, the site that
`serve` serves. Only regular files inside their own folder are read. A symbolic link is followed when it leads to a
file or folder inside that folder; one that leads out (it would publish /etc/passwd), nowhere, or round in a circle
is refused, naming the link and its target. A named pipe, a device or a socket is never opened (a read would hang or
never end).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import DataError, Problem

LINK_FIX = "replace the link by the file it should point to, or delete it"
OUTSIDE_FIX = "copy the file itself into the folder, or delete the link"
READ_FIX = "let the account that builds the site read the file"


class Refused(Exception):
    """Why a path may not be read: a message and its fix, for a Problem naming the path."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


def inside(path: Path, root: Path, shown_root: str) -> Path:
    """Where `path` (below `root`, a link or not) really is; Refused when it leads out of `root` (shown as
    `shown_root`), nowhere, or round in a circle."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # Python 3.11 says RuntimeError for a link loop, 3.13 OSError
        if not path.is_symlink():
            raise Refused(f"the file cannot be read ({getattr(error, 'strerror', None) or error})", READ_FIX) from None
        if isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP:
            raise Refused("this link leads back to itself (a loop of symbolic links)", LINK_FIX) from None
        raise Refused(f"this link points to nothing ({os.readlink(path)} does not exist)", LINK_FIX) from None
    if not resolved.is_relative_to(root.resolve()):
        raise Refused(f"this link leads out of {shown_root} (to {resolved}): only files inside it are read",
                      OUTSIDE_FIX)  # fmt: skip
    return resolved


def regular_file(path: Path, root: Path, shown_root: str, what: str = "file") -> Path:
    """`inside`, and a regular file (not a folder, a named pipe, a device or a socket); `what` names what it should
    be in a message ("YAML file")."""
    resolved = inside(path, root, shown_root)
    try:
        mode = os.stat(resolved).st_mode
    except OSError as error:
        raise Refused(f"the file cannot be read ({error.strerror})", READ_FIX) from None
    if not stat.S_ISREG(mode):
        raise Refused(*not_a_file(mode, path, what))
    return resolved


def not_a_file(mode: int, path: Path, what: str = "file") -> tuple[str, str]:
    if stat.S_ISDIR(mode):
        return (
            f"this is a folder, not a {what}",
            f"rename the folder so that its name does not end in {path.suffix}, or move its files up beside it"
            if path.suffix
            else "name a file, not a folder",
        )
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return f"this is {kind}, not a regular file: only regular files are read", f"replace it by a {what}, or delete it"


def files_under(folder: Path, shown: str, within: Path | None = None) -> list[Path]:
    """The regular files below `folder` (which must itself lie inside `within`, when given), in name order; raise
    DataError naming every entry that breaks the policy. A link to a folder inside is not walked into (its files
    are there already)."""
    problems: list[Problem] = []
    if within is not None:
        try:
            inside(folder, within, within.name or str(within))
        except Refused as refused:
            raise DataError([Problem(shown, None, refused.message, refused.fix)]) from None
    root = folder.resolve()
    files = []
    for path in sorted(folder.rglob("*")):
        where = f"{shown}/{path.relative_to(folder).as_posix()}"
        try:
            resolved = inside(path, root, shown)
            mode = os.stat(resolved).st_mode
        except Refused as refused:
            problems.append(Problem(where, None, refused.message, refused.fix))
            continue
        except OSError as error:
            problems.append(Problem(where, None, f"the file cannot be read ({error.strerror})", READ_FIX))
            continue
        if stat.S_ISREG(mode):
            files.append(path)
        elif not stat.S_ISDIR(mode):
            problems.append(Problem(where, None, *not_a_file(mode, path)))
    if problems:
        raise DataError(problems)
    return files


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes, read without following a link at its last step and without waiting on a named pipe
    swapped in after a check; ValueError when it is not a regular file or is larger than `limit`."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise ValueError("not a regular file")
        content = file.read() if limit is None else file.read(limit + 1)
    if limit is not None and len(content) > limit:
        raise ValueError(f"larger than {limit:,} bytes")
    return content


def remove_links(folder: Path) -> list[str]:
    """Remove every symbolic link inside a folder the build writes (build/): the build makes none there, and one
    planted there would have the next build write through it, outside. Returns the links removed (folder-relative)."""
    removed = []
    for parent, dirs, names in os.walk(folder):  # never walks into a linked folder
        for name in dirs + names:
            path = Path(parent) / name
            if path.is_symlink():
                path.unlink()
                removed.append(path.relative_to(folder).as_posix())
    return removed


def write_atomically(target: Path, content: bytes) -> None:
    """`content` written to a new file beside `target` and renamed over it in one step: whoever reads `target` (a
    build that follows, a served page, a download) finds the old bytes or the new, never part of them; a write that
    fails leaves the old file and no temporary one. The temporary file is named .tmp-*; the file gets the
    permissions any new file gets (a web server's account reads the site), not mkstemp's owner-only ones."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=TEMPORARY_PREFIX)
    try:
        os.fchmod(handle, 0o666 & ~UMASK)
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


TEMPORARY_PREFIX = ".tmp-"
UMASK = os.umask(0o022)  # the process's own, read as the module loads (reading it means setting it)
os.umask(UMASK)
