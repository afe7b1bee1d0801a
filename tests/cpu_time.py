"""`pytest --cpu-durations=N`: the N tests that took the most processor time, and each file's total.

A test's time is that of the test process and every process under it (the browsers, LibreOffice, the builds' own
processes, Pagefind): on a machine others share, wall times grow with their load, processor times much less, so
this is what tells where the suite's time goes. Each phase (setup, call, teardown) is counted apart and the report
carries it, so that pytest-xdist's workers send it to the run that prints the summary. Linux (/proc) only."""

from __future__ import annotations

import collections
import os
from pathlib import Path

import pytest

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_last = [0.0]  # the process tree's time when the phase that is being reported began
_counting = [False]
_tree: list[ProcessTree] = []  # this process's, made at its first test


def pytest_addoption(parser) -> None:
    parser.addoption("--cpu-durations", type=int, default=0, metavar="N",
                     help="list the N tests that took the most processor time (with the processes they started), "
                          "and each test file's total")  # fmt: skip


class ProcessTree:
    """The processor time of a process and every process below it, counted as they run and end.

    Each process's own time is counted as it grows. A process that ended and that its parent waited for shows in the
    parent's time of waited children (all it ever used, its own waited children's included): what of it was counted
    while it ran is taken off there, so that no time counts twice. A process that ends unwaited, or whose parent ended
    first, leaves the tree with the time counted so far; so that the count never goes back."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[tuple[int, int], tuple[int, int, int]] = {}  # (pid, start) -> (parent, own, waited children)
        self.counted_ahead: collections.Counter[int] = collections.Counter()  # per parent: its ended children's count
        self.total = 0  # ticks

    def _processes(self) -> dict[tuple[int, int], tuple[int, int, int]]:
        parents, stats = collections.defaultdict(list), {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it ended meanwhile
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            pid, parent = int(entry.name), int(fields[1])
            parents[parent].append(pid)
            own, waited = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
            stats[pid] = ((pid, int(fields[19])), parent, own, waited)
        found, todo = {}, [self.root]
        while todo:
            pid = todo.pop()
            if pid in stats:
                key, parent, own, waited = stats[pid]
                found[key] = (parent, own, waited)
            todo += parents.get(pid, [])
        return found

    def seconds(self) -> float:
        """The processor seconds the tree has used since this count began (its first call counts what came before)."""
        now = self._processes()
        parents = {pid: parent for (pid, _), (parent, _, _) in self.seen.items()}

        def depth(pid: int) -> int:
            steps = 0
            while pid in parents and steps < 1000:
                pid, steps = parents[pid], steps + 1
            return steps

        # Ended: its parent's waited time will hold all it ever used. The deepest first, so that what a child counted
        # passes to its parent before the parent's own passes on (a browser that closes ends a whole tree at once).
        for key in sorted(self.seen.keys() - now.keys(), key=lambda key: -depth(key[0])):
            parent, own, waited = self.seen[key]
            self.counted_ahead[parent] += own + waited + self.counted_ahead.pop(key[0], 0)
        for key, (parent, own, waited) in now.items():
            _, own_before, waited_before = self.seen.get(key, (parent, 0, 0))
            grown = waited - waited_before
            ahead = self.counted_ahead.pop(key[0], 0)
            if ahead > grown:  # children it has not waited for yet
                self.counted_ahead[key[0]] = ahead - grown
            self.total += max(0, own - own_before) + max(0, grown - ahead)
        self.seen = now
        return self.total / TICKS


def _seconds() -> float:
    if not _tree:
        _tree.append(ProcessTree(os.getpid()))
    return _tree[0].seconds()


def pytest_runtest_logstart(nodeid, location) -> None:
    if _counting[0]:
        _last[0] = _seconds()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if _counting[0]:
        now = _seconds()
        outcome.get_result().user_properties.append(("cpu_seconds", now - _last[0]))
        _last[0] = now


class _Totals:
    def __init__(self) -> None:
        self.tests: collections.Counter[str] = collections.Counter()

    def pytest_runtest_logreport(self, report) -> None:
        self.tests[report.nodeid] += sum(value for name, value in report.user_properties if name == "cpu_seconds")

    def pytest_terminal_summary(self, terminalreporter, config) -> None:
        files: collections.Counter[str] = collections.Counter()
        for nodeid, seconds in self.tests.items():
            files[nodeid.split("::")[0]] += seconds
        write = terminalreporter.write_line
        terminalreporter.section("processor time (the test's processes and all they started)")
        write(f"{sum(files.values()):.1f} s in all")
        for nodeid, seconds in self.tests.most_common(config.getoption("cpu_durations")):
            write(f"{seconds:8.1f} s  {nodeid}")
        write("by file:")
        for path, seconds in files.most_common():
            write(f"{seconds:8.1f} s  {path}")


def pytest_configure(config) -> None:
    if config.getoption("cpu_durations") > 0:
        if not Path("/proc/self/stat").exists():
            raise pytest.UsageError("--cpu-durations reads /proc: Linux only")
        _counting[0] = True
        config.pluginmanager.register(_Totals(), "cpu-durations-totals")
