"""A throw-away PostgreSQL cluster for the tests (and benchmarks/run.py).

`initdb` in a temporary folder, `pg_ctl start` listening on a unix socket in that folder and on
127.0.0.1 at a free port, a fresh database per test, `pg_ctl stop` at the end. The binaries are looked
up in PATH, then /usr/lib/postgresql/*/bin (Debian's `postgresql` package). PostgreSQL refuses to run
as root: as root, the cluster runs as the `postgres` system user (or a `ketplan-test` user created
for it). Without binaries or psycopg the PostgreSQL tests skip, saying why; with
KETPLAN_REQUIRE_POSTGRES=1 (set by .ci/run) they fail instead, so CI cannot pass without them.

Local connections (the unix socket) trust the cluster's superuser; TCP connections on 127.0.0.1
need a password (scram-sha-256), so wrong-password tests are real.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

SUPERUSER = "ketplan_admin"
SUPERUSER_PASSWORD = "admin-Secret-7"
_counter = itertools.count(1)


def find_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(candidate, "initdb"), os.X_OK) and os.access(
            os.path.join(candidate, "pg_ctl"), os.X_OK
        ):
            return Path(candidate)
    return None


def _unprivileged_user() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "ketplan-test"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "ketplan-test"],
        check=True,
        capture_output=True,
    )
    entry = pwd.getpwnam("ketplan-test")
    return entry.pw_uid, entry.pw_gid


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self, bindir: Path, root: Path, as_user: tuple[int, int] | None, fsync: bool = False) -> None:
        self.fsync = fsync
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "socket"
        self.log = root / "server.log"
        self.as_user = as_user
        self.port = _free_port()

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        extra = {}
        if self.as_user is not None:
            extra = {"user": self.as_user[0], "group": self.as_user[1], "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.root)}
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            **extra,  # type: ignore[arg-type]
        )

    def init(self) -> None:
        self.socket_dir.mkdir()
        password_file = self.root / "pwfile"
        password_file.write_text(SUPERUSER_PASSWORD + "\n")
        if self.as_user is not None:
            for path in (self.root, self.socket_dir, password_file):
                os.chown(path, *self.as_user)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
        )
        password_file.unlink()

    def start(self) -> None:
        options = (
            f"-k {self.socket_dir} -c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_permissions=0777"
            " -c max_connections=60"
        )
        if not self.fsync:
            # Tests only: a killed server (pg_ctl stop -m immediate) still recovers from its WAL, which the
            # operating system keeps; only a power cut would need fsync. The benchmark runs with fsync on.
            options += " -c fsync=off"
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start", check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout} {done.stderr} {self.log_tail()}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop", check=False)

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text()[-2000:]
        return ""

    # -- URLs
    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """Over the unix socket (trusted: no password)."""
        return f"postgresql://{quote(user)}@/{database}?host={self.socket_dir}&port={self.port}"

    def tcp_url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        secret = f":{quote(password, safe='')}" if password is not None else ""
        return f"postgresql://{quote(user)}{secret}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres"):
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True)

    def create_database(self, prefix: str = "t") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_counter)}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name


def start_cluster(fsync: bool = False) -> Cluster:
    """A running cluster, or pytest.skip / pytest.fail with the reason."""
    required = os.environ.get("KETPLAN_REQUIRE_POSTGRES", "") not in ("", "0")
    give_up = pytest.fail if required else pytest.skip
    try:
        import psycopg  # noqa: F401
    except ImportError:
        give_up("psycopg is not installed (pip install 'ketplan[postgresql]'): PostgreSQL store tests not run")
    bindir = find_bindir()
    if bindir is None:
        give_up(
            "PostgreSQL server binaries (initdb, pg_ctl) not found in PATH or /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql): PostgreSQL store tests not run"
        )
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="ketplan-pg-"))
    try:
        cluster = Cluster(bindir, root, _unprivileged_user(), fsync=fsync)
        cluster.init()
        cluster.start()
    except (OSError, subprocess.SubprocessError, RuntimeError) as error:
        detail = getattr(error, "stderr", "") or ""
        shutil.rmtree(root, ignore_errors=True)
        give_up(f"could not start a throw-away PostgreSQL cluster: {error} {detail}".strip())
    return cluster


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop("fast")
        time.sleep(0.1)
        shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A URL to a fresh, empty database (no ketplan schema yet)."""
    return pg_cluster.url(pg_cluster.create_database())
