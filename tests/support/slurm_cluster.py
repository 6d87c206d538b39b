"""A private single-node SLURM cluster for tests: munge, MariaDB, slurmdbd, slurmctld, slurmd.

Everything lives in one folder (configuration, keys, sockets, state, database, logs); the
daemons run in the foreground as children of this process, on free 127.0.0.1 ports, and
:meth:`SlurmCluster.stop` ends exactly those processes. Nothing under ``/etc`` is read or
written: clients find the cluster through the ``SLURM_CONF`` variable of :attr:`env`.

Accounting runs through slurmdbd on a local MariaDB, so that ``sacct`` reports finished
jobs for as long as the workflow needs (the SLURM executor plugin of Snakemake polls
``sacct``; with ``squeue`` alone, jobs older than ``MinJobAge`` vanish and the plugin waits
for them forever).

Needs root and the Debian packages installed by ``scripts/install_slurm.sh``.

Usage::

    with SlurmCluster(tmp_path / "slurm") as cluster:
        subprocess.run(["sbatch", "--wrap", "true"], env=cluster.env)
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

#: Programs the cluster needs (Debian: slurm-wlm, slurmdbd, munge, mariadb-server).
REQUIRED_PROGRAMS = (
    "munged",
    "mariadbd",
    "mariadb-install-db",
    "mariadb",
    "slurmdbd",
    "slurmctld",
    "slurmd",
    "sbatch",
    "sacct",
    "sacctmgr",
    "squeue",
    "sinfo",
    "srun",
    "scontrol",
)

CLUSTER_NAME = "corephase"
ACCOUNT = "corephase"
PARTITION = "debug"


class SlurmClusterError(RuntimeError):
    """A daemon did not start or the cluster did not become usable; carries the logs."""


def missing_programs() -> list[str]:
    """Names of :data:`REQUIRED_PROGRAMS` not found on ``PATH``."""
    extra = os.pathsep.join(["/usr/sbin", "/sbin"])
    path = os.environ.get("PATH", "") + os.pathsep + extra
    return [p for p in REQUIRED_PROGRAMS if shutil.which(p, path=path) is None]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _memory_mb() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise SlurmClusterError("cannot read MemTotal from /proc/meminfo")


class SlurmCluster:
    """A single-node SLURM cluster with accounting, private to one folder.

    Parameters
    ----------
    root : path
        Empty or new folder for configuration, state, database and logs.
    cpus : int, optional
        CPUs of the single node (default: ``os.cpu_count()``). More than the machine
        has are allowed (``SlurmdParameters=config_overrides``): jobs then share cores.
    memory_mb : int, optional
        Memory of the node in MB (default: 3/4 of the machine's, at most 8000).
    timeout_s : float
        Bound of every wait for a daemon or a command.
    """

    def __init__(
        self, root, cpus: int | None = None, memory_mb: int | None = None, timeout_s: float = 60.0
    ):
        self.root = Path(root).resolve()
        self.cpus = int(cpus or os.cpu_count() or 1)
        self.memory_mb = int(memory_mb or min(8000, _memory_mb() * 3 // 4))
        self.timeout_s = float(timeout_s)
        self.node = "localhost"
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports = {k: _free_port() for k in ("db", "dbd", "ctld", "slurmd")}
        d = self.root
        self.dirs = {
            k: d / k for k in ("etc", "bin", "munge", "mysql", "state", "spool", "log", "run")
        }
        self.conf = self.dirs["etc"] / "slurm.conf"
        self.munge_socket = self.dirs["munge"] / "munge.socket"
        self.db_socket = self.dirs["run"] / "mysqld.sock"

    # ----------------------------------------------------------------- public API
    @property
    def env(self) -> dict[str, str]:
        """Environment for SLURM clients (``sbatch``, ``sacct``, Snakemake) of this cluster."""
        env = dict(os.environ)
        env["SLURM_CONF"] = str(self.conf)
        path = env.get("PATH", "")
        env["PATH"] = os.pathsep.join([str(self.dirs["bin"]), path, "/usr/sbin", "/sbin"])
        for k in [k for k in env if k.startswith(("SLURM_", "SBATCH_", "SRUN_", "SALLOC_"))]:
            if k != "SLURM_CONF":
                del env[k]
        return env

    def start(self) -> SlurmCluster:
        """Write the configuration, start all daemons and wait until the node is idle."""
        missing = missing_programs()
        if missing:
            raise SlurmClusterError(f"SLURM programs missing: {', '.join(missing)}")
        try:
            for p in self.dirs.values():
                p.mkdir(parents=True, exist_ok=True)
            os.chmod(self.root, 0o755)
            self._start_munge()
            self._start_mariadb()
            self._write_slurm_conf()
            self._start_slurmdbd()
            self._register_accounting()
            self._start_slurmctld_and_slurmd()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Cancel this cluster's jobs, then stop its daemons (reverse order), bounded in time.

        Jobs are cancelled first so that slurmd ends their slurmstepd processes (which
        are not children of this process) before it stops.
        """
        if self.procs.get("slurmctld") and self.procs["slurmctld"].poll() is None:
            with contextlib.suppress(Exception):
                self.run(
                    "scancel",
                    "--full",
                    "--user",
                    pwd.getpwuid(os.getuid()).pw_name,
                    check=False,
                    timeout=15,
                )
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    q = self.run("squeue", "-h", "-o", "%i", check=False, timeout=15)
                    if q.returncode == 0 and not q.stdout.strip():
                        break
                    time.sleep(0.5)
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        self.procs.clear()

    def __enter__(self) -> SlurmCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def run(self, *cmd: str, check: bool = True, timeout: float | None = None):
        """Run a SLURM client command against this cluster; returns CompletedProcess."""
        res = subprocess.run(
            list(cmd),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout or self.timeout_s,
        )
        if check and res.returncode != 0:
            raise SlurmClusterError(
                f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
            )
        return res

    def logs(self, tail: int = 40) -> str:
        """The last lines of every daemon log (for error messages)."""
        out = []
        for f in sorted(self.dirs["log"].glob("*.log")):
            lines = f.read_text(errors="replace").splitlines()[-tail:]
            out.append(f"==> {f.name} <==\n" + "\n".join(lines))
        return "\n".join(out)

    # ----------------------------------------------------------------- daemons
    def _spawn(self, name: str, cmd: list[str], env: dict | None = None) -> None:
        log = open(self.dirs["log"] / f"{name}.out.log", "ab")
        self.procs[name] = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env or self.env,
            cwd=self.root,
        )
        log.close()

    def _wait(self, what: str, ready, proc_names=()) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            for n in proc_names:
                if self.procs[n].poll() is not None:
                    raise SlurmClusterError(
                        f"{n} exited with {self.procs[n].returncode} while waiting for "
                        f"{what}\n{self.logs()}"
                    )
            with contextlib.suppress(Exception):
                if ready():
                    return
            time.sleep(0.3)
        raise SlurmClusterError(
            f"timed out after {self.timeout_s:.0f} s waiting for {what}\n{self.logs()}"
        )

    def _start_munge(self) -> None:
        key = self.dirs["munge"] / "munge.key"
        if not key.exists():
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(1024))
        os.chmod(self.dirs["munge"], 0o700)
        self._spawn(
            "munged",
            [
                "munged",
                "--foreground",
                "--force",
                f"--socket={self.munge_socket}",
                f"--key-file={key}",
                f"--log-file={self.dirs['log'] / 'munged.log'}",
                f"--pid-file={self.dirs['run'] / 'munged.pid'}",
                f"--seed-file={self.dirs['munge'] / 'munged.seed'}",
            ],
        )
        self._wait("munged socket", self.munge_socket.exists, ["munged"])

    def _start_mariadb(self) -> None:
        data = self.dirs["mysql"]
        if not (data / "mysql").is_dir():
            res = subprocess.run(
                [
                    "mariadb-install-db",
                    "--no-defaults",
                    f"--datadir={data}",
                    "--user=root",
                    "--auth-root-authentication-method=socket",
                    "--skip-test-db",
                ],
                capture_output=True,
                text=True,
                timeout=4 * self.timeout_s,
            )
            if res.returncode != 0:
                raise SlurmClusterError(f"mariadb-install-db failed:\n{res.stdout}\n{res.stderr}")
        self._spawn(
            "mariadbd",
            [
                "mariadbd",
                "--no-defaults",
                f"--datadir={data}",
                "--user=root",
                f"--socket={self.db_socket}",
                f"--port={self.ports['db']}",
                "--bind-address=127.0.0.1",
                f"--pid-file={self.dirs['run'] / 'mysqld.pid'}",
                f"--log-error={self.dirs['log'] / 'mariadbd.log'}",
                "--innodb-buffer-pool-size=128M",
                "--innodb-log-file-size=64M",
                "--innodb-lock-wait-timeout=900",
                "--skip-name-resolve",
            ],
        )
        self._wait("MariaDB", lambda: _port_open(self.ports["db"]), ["mariadbd"])
        sql = (
            "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';FLUSH PRIVILEGES;"
        )
        res = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.db_socket}", "-u", "root", "-e", sql],
            capture_output=True,
            text=True,
            timeout=self.timeout_s,
        )
        if res.returncode != 0:
            raise SlurmClusterError(f"creating the slurm database user failed:\n{res.stderr}")

    def _write_slurm_conf(self) -> None:
        d, p = self.dirs, self.ports
        auth = f"AuthInfo=socket={self.munge_socket}"
        dbd = "\n".join(
            [
                "# slurmdbd for the test cluster (written by tests/support/slurm_cluster.py)",
                "AuthType=auth/munge",
                auth,
                "DbdHost=localhost",
                "DbdAddr=127.0.0.1",
                f"DbdPort={p['dbd']}",
                "SlurmUser=root",
                f"LogFile={d['log'] / 'slurmdbd.log'}",
                f"PidFile={d['run'] / 'slurmdbd.pid'}",
                "StorageType=accounting_storage/mysql",
                "StorageHost=127.0.0.1",
                f"StoragePort={p['db']}",
                "StorageUser=slurm",
                "StoragePass=slurm",
                "StorageLoc=slurm_acct_db",
                "",
            ]
        )
        dbd_conf = d["etc"] / "slurmdbd.conf"
        dbd_conf.write_text(dbd)
        os.chmod(dbd_conf, 0o600)
        conf = "\n".join(
            [
                "# Single-node test cluster (written by tests/support/slurm_cluster.py)",
                f"ClusterName={CLUSTER_NAME}",
                "SlurmctldHost=localhost(127.0.0.1)",
                f"SlurmctldPort={p['ctld']}",
                f"SlurmdPort={p['slurmd']}",
                "SlurmUser=root",
                "SlurmdUser=root",
                "AuthType=auth/munge",
                auth,
                "CredType=cred/munge",
                f"StateSaveLocation={d['state']}",
                f"SlurmdSpoolDir={d['spool']}",
                f"SlurmctldPidFile={d['run'] / 'slurmctld.pid'}",
                f"SlurmdPidFile={d['run'] / 'slurmd.pid'}",
                f"SlurmctldLogFile={d['log'] / 'slurmctld.log'}",
                f"SlurmdLogFile={d['log'] / 'slurmd.log'}",
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "JobAcctGatherType=jobacct_gather/none",
                "MpiDefault=none",
                "SwitchType=switch/none",
                "LaunchParameters=use_interactive_step",
                "SchedulerType=sched/backfill",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_Core_Memory",
                "ReturnToService=2",
                "AccountingStorageType=accounting_storage/slurmdbd",
                "AccountingStorageHost=127.0.0.1",
                f"AccountingStoragePort={p['dbd']}",
                # the munge socket for connections to slurmdbd (AuthInfo covers the rest)
                f"AccountingStoragePass={self.munge_socket}",
                "JobCompType=jobcomp/none",
                "MinJobAge=300",
                "SlurmctldTimeout=60",
                "SlurmdTimeout=60",
                "InactiveLimit=0",
                "KillWait=10",
                "SlurmctldDebug=info",
                "SlurmdDebug=info",
                f"NodeName={self.node} NodeAddr=127.0.0.1 NodeHostname={self.node} "
                f"CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN",
                *(
                    ["SlurmdParameters=config_overrides"]
                    if self.cpus > (os.cpu_count() or 1)
                    else []
                ),
                f"PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
                "",
            ]
        )
        self.conf.write_text(conf)
        (d["etc"] / "plugstack.conf").write_text("")
        self._write_srun_shim()

    def _write_srun_shim(self) -> None:
        """An ``srun`` first on PATH that restores ``SLURM_CONF`` for nested job steps.

        snakemake-executor-plugin-slurm-jobstep 0.6.1 removes every ``SLURM_*`` variable
        except the job's identity before it calls ``srun`` inside a job, ``SLURM_CONF``
        included. A cluster whose configuration is in the default place
        (``/etc/slurm/slurm.conf`` or configless) does not notice; this private one,
        found only through ``SLURM_CONF``, does: srun then fails with "DNS SRV lookup
        failed". The shim sets the variable again and runs the real srun.
        """
        real = shutil.which("srun", path="/usr/bin:/usr/local/bin:/bin")
        if real is None:
            raise SlurmClusterError("srun not found")
        shim = self.dirs["bin"] / "srun"
        shim.write_text(f'#!/bin/sh\nexport SLURM_CONF="{self.conf}"\nexec {real} "$@"\n')
        shim.chmod(0o755)

    def _start_slurmdbd(self) -> None:
        self._spawn("slurmdbd", ["slurmdbd", "-D"])
        self._wait("slurmdbd", lambda: _port_open(self.ports["dbd"]), ["slurmdbd"])
        self._wait(
            "sacctmgr to reach slurmdbd",
            lambda: (
                self.run("sacctmgr", "-n", "list", "cluster", check=False, timeout=15).returncode
                == 0
            ),
            ["slurmdbd"],
        )

    def _register_accounting(self) -> None:
        have = self.run("sacctmgr", "-n", "-P", "list", "cluster", "format=cluster").stdout
        if CLUSTER_NAME not in have.split():
            self.run("sacctmgr", "-i", "add", "cluster", CLUSTER_NAME)
        have = self.run("sacctmgr", "-n", "-P", "list", "account", "format=account").stdout
        if ACCOUNT not in have.split():
            self.run(
                "sacctmgr",
                "-i",
                "add",
                "account",
                ACCOUNT,
                f"Cluster={CLUSTER_NAME}",
                "Description=corephase tests",
                "Organization=corephase",
            )
        user = pwd.getpwuid(os.getuid()).pw_name
        self.run(
            "sacctmgr",
            "-i",
            "add",
            "user",
            user,
            f"Account={ACCOUNT}",
            f"Cluster={CLUSTER_NAME}",
            check=False,
        )

    def _start_slurmctld_and_slurmd(self) -> None:
        self._spawn("slurmctld", ["slurmctld", "-D", "-i"])
        self._wait("slurmctld", lambda: _port_open(self.ports["ctld"]), ["slurmctld"])
        self._spawn("slurmd", ["slurmd", "-D", "-N", self.node])

        def idle() -> bool:
            out = self.run("sinfo", "-h", "-N", "-o", "%T", check=False, timeout=15).stdout
            return out.strip().startswith("idle")

        self._wait("the node to become idle", idle, ["slurmctld", "slurmd"])
