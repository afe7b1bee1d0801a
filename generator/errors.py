"""Errors about the data: each names the file, the line, the key path, what is wrong and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    fix: str = ""
    key_path: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        path = f" {self.key_path}:" if self.key_path else ""
        text = f"{where}:{path} {self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text


@dataclass
class DataError(Exception):
    """Raised by a stage that found problems in the data; carries every problem it found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the data:"
        return "\n".join([head, *(str(p) for p in self.problems)])


def key_path(path: tuple) -> str:
    """('sections', 3, 'blocks', 0, 'title') -> 'sections[3].blocks[0].title'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
