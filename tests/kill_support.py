"""SIGKILLs of sweep workers at chosen moments: at start-up, inside a trial, inside a storage write.

Not a test module. :class:`Killer` drives the workers of one study (``faults_support.Workers``)
through a plan of moments drawn with a seeded RNG, finds for each moment a worker that is in it,
SIGKILLs that worker and starts its replacement. How each moment is reached:

- ``start-up``: the youngest worker (the replacement started by the previous kill, or one of the
  first eight) ``d`` seconds after its start, ``d`` drawn from [0.2, 2]: it is importing torch or
  MLflow, opening the storage, or making its first claim, before any trial of its own runs.
- ``trial``: a RUNNING trial whose ``odyssey:worker`` attribute names a live worker and that has
  reported its epoch-0 metric (so the worker is inside ``train_trial``); its worker is killed.
- ``write``: journal file: a worker seen holding the journal open for appending
  (``/proc/<pid>/fdinfo`` flags with ``O_APPEND``), which Optuna's journal does only while it
  holds the journal's lock; PostgreSQL: a worker whose server backend is inside a transaction
  whose last statement was an INSERT, UPDATE or DELETE (``pg_stat_activity``, matched to the
  worker by its TCP port). The worker is stopped (SIGSTOP), seen still in the write, then killed.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faults_support import Workers
from optuna.trial import TrialState

from odyssey.sweep.heartbeat import WORKER_ATTR

O_APPEND = 0o2000
WRITE_STATEMENT = r"^\s*(insert|update|delete)"


def kill_plan(seed: int, kills: int, writes: int) -> list[tuple[str, float]]:
    """``kills`` moments, ``writes`` of them inside a storage write, the rest half at start-up
    and half inside a trial, shuffled; each with its start-up delay (seconds)."""
    rng = random.Random(seed)
    rest = kills - writes
    moments = ["write"] * writes + ["start-up"] * (rest // 2) + ["trial"] * (rest - rest // 2)
    rng.shuffle(moments)
    return [(moment, rng.uniform(0.2, 2.0)) for moment in moments]


def journal_writers(journal: Path) -> Callable[[list[int]], list[int]]:
    """The pids among those given that are inside an append to ``journal`` (its lock is taken:
    only then are the processes' open files read)."""

    def writing(pids: list[int]) -> list[int]:
        if not os.path.lexists(f"{journal}.lock"):
            return []
        return [pid for pid in pids if appending(pid, journal)]

    return writing


def appending(pid: int, journal: Path) -> bool:
    """Whether process ``pid`` holds ``journal`` open for appending (inside Optuna's append)."""
    folder = Path(f"/proc/{pid}/fd")
    try:
        for fd in folder.iterdir():
            if os.readlink(fd) == str(journal):
                flags = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().split()[3]
                if int(flags, 8) & O_APPEND:
                    return True
    except (OSError, IndexError, ValueError):
        return False
    return False


class PostgresWrites:
    """Which worker processes' PostgreSQL backends are inside a write transaction."""

    def __init__(self, url: str) -> None:
        import psycopg2

        self.conn = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
        self.conn.autocommit = True

    def writing(self, pids: list[int]) -> list[int]:
        """The pids among ``pids`` whose backend is in a transaction after a write statement."""
        import psutil

        with self.conn.cursor() as cursor:
            cursor.execute(
                "select client_port from pg_stat_activity where pid <> pg_backend_pid() "
                "and state in ('active', 'idle in transaction') and query ~* %s",
                (WRITE_STATEMENT,),
            )
            ports = {row[0] for row in cursor.fetchall()}
        found = []
        for pid in pids if ports else []:  # the cheap query first, the processes' sockets then
            try:
                if ports & {c.laddr.port for c in psutil.Process(pid).net_connections("tcp")}:
                    found.append(pid)
            except psutil.Error:
                continue
        return found

    def close(self) -> None:
        """Close the test's own connection."""
        self.conn.close()


@dataclass
class Killer:
    """Kills workers of ``workers`` at the moments of a plan; counts what it did."""

    workers: Workers
    study: Any  # the optuna.Study, read through one storage object (incremental reads)
    writers: Callable[[list[int]], list[int]]  # pids among live workers inside a storage write
    rng: random.Random = field(default_factory=random.Random)  # picks among running trials
    timeout_s: float = 120.0
    done: Counter = field(default_factory=Counter)
    index_of: dict[int, int] = field(default_factory=dict)
    born: dict[int, float] = field(default_factory=dict)
    times: list[str] = field(default_factory=list)  # "moment@seconds" of each kill

    def start(self, index: int) -> None:
        """Start worker ``index`` and remember its index and start time."""
        process = self.workers.start(index)
        self.index_of[process.pid] = index
        self.born[process.pid] = time.monotonic()

    def run(self, plan: list[tuple[str, float]]) -> None:
        """Carry out every moment of ``plan``; each kill is followed by a replacement."""
        began = time.monotonic()
        for moment, delay in plan:
            pid = self.find(moment, delay)
            self.workers.kill(pid)
            self.done[moment] += 1
            self.times.append(f"{moment}@{time.monotonic() - began:.1f}")
            self.start(self.index_of[pid])

    def find(self, moment: str, delay: float) -> int:
        """A live worker in ``moment`` (stopped with SIGSTOP for ``write``)."""
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            assert not self.workers.reap(), "a worker ended before the kills were done"
            pid = {"start-up": self.young, "trial": self.training, "write": self.writing}[moment](
                delay
            )
            if pid is not None:
                return pid
        raise AssertionError(f"no worker was caught {moment} within {self.timeout_s} s")

    def young(self, delay: float) -> int | None:
        pid = max(self.workers.live, key=lambda p: self.born[p])
        time.sleep(max(0.0, self.born[pid] + delay - time.monotonic()))
        return pid

    def training(self, delay: float) -> int | None:
        hosts = {f"{os.uname().nodename}:{pid}": pid for pid in self.workers.live}
        running = [
            hosts[t.system_attrs[WORKER_ATTR]]
            for t in self.study.get_trials(deepcopy=False)
            if t.state == TrialState.RUNNING
            and t.intermediate_values
            and t.system_attrs.get(WORKER_ATTR) in hosts
        ]
        if not running:
            time.sleep(0.1)
            return None
        return self.rng.choice(sorted(running))

    def writing(self, delay: float) -> int | None:
        for pid in self.writers(list(self.workers.live)):
            os.kill(pid, signal.SIGSTOP)
            if pid in self.writers([pid]):
                return pid  # stopped inside the write: killed next
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.001)
        return None
