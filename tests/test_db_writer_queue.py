"""SQLite writers in one process queue on a lock instead of SQLite's busy handler."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, text

from server.db import WriterQueue, takes_write_lock


def sqlite_engine(tmp_path, patience: float = 30.0):
    """A file-backed SQLite engine with its own queue, and that queue."""
    engine = create_engine(
        f"sqlite:///{tmp_path}/queue.sqlite3",
        connect_args={"check_same_thread": False, "timeout": 30},
    )
    queue = WriterQueue(patience)
    queue.attach(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, who TEXT)"))
    return engine, queue


def test_many_threads_writing_at_once_all_land_and_the_turn_is_given_back(tmp_path):
    engine, queue = sqlite_engine(tmp_path)
    problems: list[BaseException] = []

    def write(who: str) -> None:
        try:
            for _ in range(40):
                with engine.begin() as conn:
                    conn.execute(text("SELECT count(*) FROM notes")).scalar()
                    conn.execute(text("INSERT INTO notes (who) VALUES (:who)"), {"who": who})
        except BaseException as exc:  # noqa: BLE001 (reported below)
            problems.append(exc)

    threads = [threading.Thread(target=write, args=(f"t{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar() == 320
    assert not queue.lock.locked()
    engine.dispose()


def test_a_rolled_back_or_abandoned_write_gives_the_turn_back(tmp_path):
    engine, queue = sqlite_engine(tmp_path)
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO notes (who) VALUES ('kept back')"))
        assert queue.lock.locked()
        conn.rollback()
    assert not queue.lock.locked()
    conn = engine.connect()
    conn.execute(text("UPDATE notes SET who = 'nobody'"))
    assert queue.lock.locked()
    conn.close()  # back to the pool without a commit: the pool's reset rolls back
    assert not queue.lock.locked()
    engine.dispose()


def test_reads_never_wait_for_the_turn(tmp_path):
    engine, queue = sqlite_engine(tmp_path)
    with queue.lock, engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar() == 0
    engine.dispose()


def test_a_turn_never_given_back_slows_a_writer_but_never_stops_it(tmp_path):
    engine, queue = sqlite_engine(tmp_path, patience=0.2)
    queue.lock.acquire()  # as if some code path had leaked it
    started = time.monotonic()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO notes (who) VALUES ('late but written')"))
    assert 0.2 <= time.monotonic() - started < 5
    with engine.connect() as conn:
        assert conn.execute(text("SELECT who FROM notes")).scalar() == "late but written"
    queue.lock.release()
    engine.dispose()


def test_begin_immediate_takes_the_turn_before_sqlites_lock(tmp_path):
    engine, queue = sqlite_engine(tmp_path)
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        assert queue.lock.locked()
        conn.execute(text("INSERT INTO notes (who) VALUES ('claimed')"))
        conn.commit()
    assert not queue.lock.locked()
    engine.dispose()


def test_an_immediate_and_a_deferred_writer_never_wait_for_each_other(tmp_path):
    # The scheduler's claim (BEGIN IMMEDIATE, a read, then a write) beside its lease
    # keeper (a deferred UPDATE). Had the claim held SQLite's lock without the turn,
    # the keeper would hold the turn while waiting for SQLite, the claim the other way
    # round, and both would stall until patience ran out.
    engine, queue = sqlite_engine(tmp_path, patience=5.0)
    began, go_on = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def claim() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            began.set()
            go_on.wait(10)
            conn.execute(text("SELECT count(*) FROM notes")).scalar()
            conn.execute(text("INSERT INTO notes (who) VALUES ('claim')"))
            outcome["claim had the turn"] = conn.info.get(WriterQueue.KEY)
            conn.commit()

    def renew() -> None:
        began.wait(10)
        with engine.begin() as conn:
            conn.execute(text("UPDATE notes SET who = who"))
            conn.execute(text("INSERT INTO notes (who) VALUES ('keeper')"))
        outcome["keeper done"] = True

    threads = [threading.Thread(target=claim), threading.Thread(target=renew)]
    for thread in threads:
        thread.start()
    began.wait(10)
    time.sleep(0.3)  # the keeper is now waiting on whichever lock it wants first
    go_on.set()
    for thread in threads:
        thread.join(30)
    assert outcome == {"claim had the turn": True, "keeper done": True}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar() == 2
    engine.dispose()


def test_which_statements_take_the_write_lock():
    assert takes_write_lock("  insert into notes values (1)")
    assert takes_write_lock("BEGIN\n  IMMEDIATE")
    assert takes_write_lock("begin exclusive")
    assert takes_write_lock("REPLACE INTO notes VALUES (1, 'x')")
    assert not takes_write_lock("BEGIN")
    assert not takes_write_lock("SELECT * FROM notes WHERE who = 'INSERT'")
    assert not takes_write_lock("PRAGMA busy_timeout=30000")
