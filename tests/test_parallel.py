"""Jobs in forked processes: what one process makes for another (Handover)."""

import os
import time

from generator.parallel import Handover


def forked(job) -> int:
    """`job()` in a forked process; its pid (waited for by `ended`)."""
    pid = os.fork()
    if pid == 0:
        try:
            job()
        finally:
            os._exit(0)
    return pid


def ended(pid: int) -> None:
    os.waitpid(pid, 0)


def test_the_taker_waits_for_what_the_maker_began_and_makes_it_itself_when_the_maker_has_not_begun(tmp_path):
    made = tmp_path / "made"
    handover = Handover()
    read, write = os.pipe()  # the maker says it has begun

    def maker():
        assert handover.offer()
        os.write(write, b"begun")
        time.sleep(0.3)
        made.write_text("by the maker")
        handover.given()

    pid = forked(maker)
    assert os.read(read, 5) == b"begun"
    handover.wait(seconds=30)
    assert made.read_text() == "by the maker"
    ended(pid)

    late = Handover()
    late.wait()  # the maker has not begun: the taker takes it on itself, at once
    pid = forked(lambda: made.write_text("offered" if late.offer() else "not offered"))
    ended(pid)
    assert made.read_text() == "not offered"


def test_a_maker_that_gives_nothing_is_waited_for_no_longer_than_asked():
    handover = Handover()
    assert handover.offer() and not handover.offer()
    start = time.perf_counter()
    handover.wait(seconds=0.2)
    assert 0.2 <= time.perf_counter() - start < 5
