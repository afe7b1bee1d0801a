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


def pytest_addoption(parser) -> None:
    parser.addoption("--cpu-durations", type=int, default=0, metavar="N",
                     help="list the N tests that took the most processor time (with the processes they started), "
                          "and each test file's total")  # fmt: skip


def tree_seconds(root: int) -> float:
    """Processor seconds (user and system) of process `root` and every process below it, the ended ones that were
    waited for included."""
    parents, spent = collections.defaultdict(list), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(fields[1])].append(int(entry.name))
        spent[int(entry.name)] = sum(map(int, fields[11:15]))  # utime, stime and those of the children waited for
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += spent.get(pid, 0)
        todo += parents.get(pid, [])
    return total / TICKS


def pytest_runtest_logstart(nodeid, location) -> None:
    if _counting[0]:
        _last[0] = tree_seconds(os.getpid())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if _counting[0]:
        now = tree_seconds(os.getpid())
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
