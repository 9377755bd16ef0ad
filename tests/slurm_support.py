"""A real single-node SLURM cluster for the tests (Debian's slurmctld, slurmd and munge).

Not a test module. :func:`missing` says in one line why no cluster can start here; the context
manager :func:`slurm_cluster` writes a private munge key and ``slurm.conf`` into a temporary
folder, starts munged, slurmctld and slurmd (each in its own session, on 127.0.0.1, ports
6817/6818), waits until the node is idle, yields the folder, and always stops the daemons by the
PIDs it started and removes what it wrote (``/etc/slurm/slurm.conf`` is a symlink to the private
file while the cluster runs: the executor plugin's ``srun`` finds the config only there).
No accounting daemon: Snakemake's status checks use ``squeue`` (``MinJobAge`` keeps finished
jobs visible), and two partitions (``cpu``, ``gpu`` with a stand-in ``gpu`` gres) match the
profile's resource names.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from engine_support import stop_group

PORTS = (6817, 6818)
"""slurmctld's and slurmd's fixed ports."""

SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
"""Where ``srun`` inside a job looks for the config (the plugin unsets SLURM_CONF)."""

LINKS = (SYSTEM_CONF, SYSTEM_CONF.with_name("gres.conf"))
"""The files linked into /etc/slurm while the cluster runs (slurmd reads gres.conf there)."""

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol")


def _port_busy(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def missing() -> str | None:
    """Why no SLURM cluster can be started here (one line), or None if one can."""
    if os.geteuid() != 0:
        return "the SLURM test needs root (it starts munged, slurmctld and slurmd)"
    absent = [name for name in DAEMONS if shutil.which(name) is None]
    if absent:
        return (
            f"SLURM absent ({', '.join(absent)}): apt-get install slurm-wlm, or run .ci/run as root"
        )
    busy = [port for port in PORTS if _port_busy(port)]
    if busy:
        return f"SLURM ports {busy} are in use (another cluster is running)"
    for path in LINKS:
        if path.exists() and not path.is_symlink():
            return f"{path} exists: a real cluster is configured here, leaving it alone"
    return None


def _config(root: Path, host: str, sockets: Path) -> str:
    return "\n".join(
        [
            "ClusterName=odysseytest",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={PORTS[0]}",
            f"SlurmdPort={PORTS[1]}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={sockets / 'munge.socket'}",
            "SlurmUser=root",
            "SlurmdUser=root",
            f"StateSaveLocation={root / 'state'}",
            f"SlurmdSpoolDir={root / 'spool'}",
            f"SlurmctldPidFile={root / 'slurmctld.pid'}",
            f"SlurmdPidFile={root / 'slurmd.pid'}",
            f"SlurmctldLogFile={root / 'slurmctld.log'}",
            f"SlurmdLogFile={root / 'slurmd.log'}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            "DefMemPerCPU=1000",
            "MailProg=/bin/true",
            "MinJobAge=600",
            "ReturnToService=2",
            "SchedulerParameters=sched_interval=1",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "GresTypes=gpu",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} RealMemory=8000 "
            "Gres=gpu:2 State=UNKNOWN",
            "PartitionName=cpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
            "PartitionName=gpu Nodes=ALL MaxTime=INFINITE State=UP",
            "",
        ]
    )


def _wait_idle(env: dict[str, str], deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        state = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True, check=False
        ).stdout
        if "idle" in state:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the SLURM node did not become idle: {state!r}")


@contextlib.contextmanager
def slurm_cluster() -> Iterator[Path]:
    """Start munged, slurmctld and slurmd; yield their folder; stop them and clean up."""
    reason = missing()
    assert reason is None, reason
    root = Path(tempfile.mkdtemp(prefix="odyssey-slurm-"))
    sockets = root / "munge"
    sockets.mkdir(mode=0o755)
    os.chmod(sockets, 0o755)
    for folder in ("state", "spool"):
        (root / folder).mkdir()
    key = root / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    host = socket.gethostname().split(".")[0]
    conf = root / "slurm.conf"
    conf.write_text(_config(root, host, sockets))
    for index in range(2):  # stand-in device files of the stand-in GPUs
        (root / f"fakegpu{index}").touch()
    (root / "gres.conf").write_text(f"NodeName={host} Name=gpu File={root}/fakegpu[0-1]\n")
    env = {**os.environ, "SLURM_CONF": str(conf)}
    started: list[subprocess.Popen] = []
    linked: list[Path] = []
    try:
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        for link in LINKS:
            if link.is_symlink():
                link.unlink()
            link.symlink_to(root / link.name)
            linked.append(link)
        commands = [
            ["munged", "-F", "--force", f"--key-file={key}", f"--socket={sockets / 'munge.socket'}",
             f"--pid-file={root / 'munged.pid'}", f"--log-file={root / 'munged.log'}",
             f"--seed-file={root / 'munged.seed'}"],
            ["slurmctld", "-D", "-c", "-f", str(conf)],
            ["slurmd", "-D", "-f", str(conf)],
        ]  # fmt: skip
        for command in commands:
            log = open(root / f"{command[0]}.out", "wb")  # noqa: SIM115 - the daemon keeps it
            started.append(
                subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
                )
            )
            log.close()
            time.sleep(1.0)
            if started[-1].poll() is not None:
                output = (root / f"{command[0]}.out").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{command[0]} exited at start: {output}")
        try:
            _wait_idle(env)
        except RuntimeError as exc:
            logs = [root / "slurmctld.log", root / "slurmd.log"]
            tails = [p.read_text(errors="replace")[-1500:] for p in logs if p.exists()]
            raise RuntimeError(f"{exc}\n" + "\n".join(tails)) from exc
        yield root
    finally:
        if len(started) == len(DAEMONS[:3]):  # jobs of this cluster still running end first
            subprocess.run(["scancel", "--full", "-u", "root"], env=env, check=False, timeout=30)
            time.sleep(1.0)
        for process in reversed(started):
            stop_group(process, timeout_s=15)
        for link in linked:
            if link.is_symlink():
                link.unlink()
        shutil.rmtree(root, ignore_errors=True)
