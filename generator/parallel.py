"""Jobs in processes of their own, forked from this one: the build's languages run at the same time on the
machine's cores (MkDocs keeps global state: it is not thread-safe, so threads would not do)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import functools
import gc
import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .errors import DataError


class ChildFailed(RuntimeError):
    """A parallel job failed with an error that is not about the data; carries its traceback."""


_JOBS: list[Callable[[], Any]] = []


def in_parallel(jobs: list[Callable[[], Any]], elsewhere: bool = False, first_here: bool = False,
                on_done: Callable[[int, Any], None] | None = None) -> list[Any]:  # fmt: skip
    """Run each job in a process of its own, forked from this one (so it has the loaded data and modules), when the
    machine has a core for more than one; else here, one after the other. `elsewhere`: never here, even one job
    (serve: a build in its own process would hold the lock every thread of Python's needs, and the server's threads
    answer the reloading page only between the build's steps: seconds on a loaded machine). `first_here`: the first
    job runs here meanwhile (this process would only wait). `on_done`: told here of each job that succeeded (its
    number and result) as soon as it ends, whatever the order, while the others still run. Returns the jobs' results
    in order; the problems of every failed job are raised together as one DataError."""
    workers = min(len(jobs), cores())
    if elsewhere:
        workers = max(workers, 1)
    elif workers < 2:
        workers = 0
    if not workers or not can_fork():
        return _one_by_one(jobs, on_done)
    global _JOBS
    _JOBS = jobs  # the workers are forked on the first submit, after this
    here = 1 if first_here else 0
    if workers - here < 1:
        return _one_by_one(jobs, on_done)
    gc.freeze()  # the children's garbage collector then leaves this process's objects (and their memory) alone
    pool = ProcessPoolExecutor(max_workers=workers - here, mp_context=multiprocessing.get_context("fork"),
                               initializer=_ended_with, initargs=(os.getpid(),))  # fmt: skip
    every = False  # whether every job's result is in
    try:
        with _ctrl_c_here():  # the workers are forked now; Ctrl+C reaches them too, and is this process's to tell
            futures = [pool.submit(_run_job, number) for number in range(here, len(jobs))]
        gc.unfreeze()
        try:
            outcomes = [_told(number, _run_job(number), on_done) for number in range(here)]
            numbers = {future: number for number, future in enumerate(futures, here)}
            for future in concurrent.futures.as_completed(futures):
                _told(numbers[future], future.result(), on_done)
            outcomes += [future.result() for future in futures]
            every = True
        except KeyboardInterrupt:  # stop the languages' processes now rather than wait for them
            for child in multiprocessing.active_children():
                child.terminate()
            raise
    finally:
        # Once every job's result is in, the workers end on their own: this process does not wait for them to (each
        # is a copy of this one, whose memory takes a while to give back: 0.06 s at the end of a cold build's
        # critical path). Else (a job's `on_done` failed) it waits, as ever: no worker outlives the build's lock.
        pool.shutdown(wait=not every)
        gc.unfreeze()
        _JOBS = []
    # A problem with a file every language reads (a theme file) is said once.
    problems = list(dict.fromkeys(problem for kind, value in outcomes if kind == "data" for problem in value))
    crashes = [value for kind, value in outcomes if kind == "crash"]
    if crashes:
        error, text = crashes[0]
        if isinstance(error, (OSError, KeyboardInterrupt)):  # said as plainly as in this process (a full disk)
            raise error from ChildFailed(text)
        raise ChildFailed(text)
    if problems:
        raise DataError(problems)
    return [value for _, value in outcomes]


def _ended_with(parent: int) -> None:
    """A worker ends when the process that forked it ends, however that ends (Linux: the parent-death signal): serve
    stopped by SIGTERM as it forked its languages' workers left them waiting for work for ever. SIGTERM ends a worker
    silently, whatever handler the process that forked it had (serve's raises KeyboardInterrupt: each worker the pool
    stopped printed a traceback)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    prctl = getattr(libc(), "prctl", None)
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it ended before the signal was asked for
            os._exit(1)


PR_SET_PDEATHSIG = 1  # prctl(2), Linux


@functools.cache
def libc():
    """The C library, for what the system does that Python does not wrap, as the symbols this process has loaded
    (Python's own, which hold it): looked up by name instead (ctypes.util.find_library), it cost each worker a
    run of ldconfig as it started. None where it cannot be loaded."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):
        return None


def _one_by_one(jobs: list[Callable[[], Any]], on_done: Callable[[int, Any], None] | None) -> list[Any]:
    results = []
    for number, job in enumerate(jobs):
        results.append(job())
        if on_done is not None:
            on_done(number, results[-1])
    return results


def _told(number: int, outcome: tuple[str, Any], on_done: Callable[[int, Any], None] | None) -> tuple[str, Any]:
    kind, value = outcome
    if kind == "ok" and on_done is not None:
        on_done(number, value)
    return outcome


class Turns:
    """The numbers 0 … n-1 handed out one at a time to the processes forked after it is made (each takes the next
    as it is free: the work balances itself however unequal the items)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._next = multiprocessing.get_context("fork" if can_fork() else None).Value("i", 0)

    def __iter__(self):
        while True:
            with self._next.get_lock():
                number = self._next.value
                self._next.value += 1
            if number >= self.count:
                return
            yield number


class Handover:
    """Something that one of the processes forked after it is made makes for another, which would otherwise make it
    itself (the thing goes between them elsewhere: the build cache). The maker `offers` to make it before it begins
    and says when it is `given` (made or not); the taker `waits` for it, unless the maker has not begun, when the
    taker makes it itself."""

    def __init__(self) -> None:
        self._state = multiprocessing.get_context("fork" if can_fork() else None).Value("i", FREE)

    def offer(self) -> bool:
        """Whether this process is to make it (the taker has not taken it on itself)."""
        with self._state.get_lock():
            if self._state.value != FREE:
                return False
            self._state.value = MAKING
            return True

    def given(self) -> None:
        with self._state.get_lock():
            self._state.value = GIVEN

    def wait(self, seconds: float = 60.0) -> None:
        """Until the maker has given it, if it has begun (at most `seconds`: a maker that was killed gives nothing)."""
        with self._state.get_lock():
            if self._state.value == FREE:
                self._state.value = TAKEN
                return
        end = time.monotonic() + seconds
        while self._state.value == MAKING and time.monotonic() < end:
            time.sleep(0.005)


FREE, MAKING, GIVEN, TAKEN = range(4)


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextlib.contextmanager
def _ctrl_c_here():
    """Processes forked inside ignore Ctrl+C (SIGINT): they would each print a traceback of where it found them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_job(number: int) -> tuple[str, Any]:
    try:
        return "ok", _JOBS[number]()
    except DataError as error:  # its problems travel; the exception itself does not pickle with them
        return "data", error.problems
    except BaseException as error:  # noqa: BLE001 - reported by the parent, with the child's traceback
        try:
            pickle.dumps(error)
        except Exception:  # noqa: BLE001 - then its traceback tells
            error = None
        return "crash", (error, traceback.format_exc())
