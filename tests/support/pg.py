"""A real PostgreSQL for the tests: one server per test session, a database per test.

`start` runs `initdb` and `pg_ctl start` into a fresh folder under /tmp (as the `postgres` user when the tests run
as root: PostgreSQL refuses to run as root), listening on a Unix socket in that folder only — no TCP port — with
password authentication (the tests' wrong-password case needs one). Durability is traded for speed (`fsync=off`, and
`synchronous_commit=off` but in a `durable` server, which a test halts and resumes): the tests check transactions
and locks, not what a power cut leaves. The binaries are $A2P_PG_BIN, else the
newest /usr/lib/postgresql/*/bin, else `pg_config --bindir`; `.ci/run` installs Debian's `postgresql` when they are
missing. The store connects as `a2p`, a role that owns its database and nothing else, as a team's would.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

EXTENSIONS = ("pg_trgm", "unaccent")
"""Contrib extensions the PostgreSQL store and its list need."""
USER = "a2p"
BACKENDS = ("sqlite", "postgres")
"""The stores the `store` and `runtime_on` fixtures run a test on."""


class MissingExtension(RuntimeError):
    """A contrib extension the store needs is not installed."""


def bin_dir() -> Path | None:
    """The folder of `initdb` and `pg_ctl` (None: PostgreSQL's server binaries are not installed)."""
    candidates = [os.environ.get("A2P_PG_BIN", "")]
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                         if p.parent.name.isdigit() else 0, reverse=True)
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    for candidate in map(Path, filter(None, map(str, candidates))):
        if all((candidate / name).is_file() for name in ("initdb", "pg_ctl")):
            return candidate
    return None


def missing_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here (None when they can)."""
    if bin_dir() is None:
        return ("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql "
                "postgresql-contrib (what .ci/run does), or set A2P_PG_BIN to their folder")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL refuses to run as root"
    return None


@dataclass
class Server:
    """A running PostgreSQL server in `folder`; `superuser` is its conninfo as `postgres`."""

    folder: Path
    bin: Path
    password: str
    durable: bool = False
    """Commits wait for the WAL to be written (synchronous_commit on, PostgreSQL's default), so a server killed
    (`halt`) keeps every commit; off, the session's server trades that for speed."""
    _databases = count(1)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str, *, user: str = USER, password: str | None = None) -> str:
        """The URL of `database` on this server (as `user`, with the session's password unless given)."""
        secret = quote(self.password if password is None else password, safe="")
        return f"postgresql://{user}:{secret}@/{database}?host={quote(str(self.folder), safe='')}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url("postgres", user="postgres"), autocommit=True)

    def create_database(self, *, icu_locale: str | None = None, template: str | None = None) -> str:
        """A new database owned by the store's role (sorting text by `icu_locale` when given); its name. Empty, or
        a copy of the database `template` (as a restored backup is; nobody may be connected to it then). Copied
        as files (with fsync off, 0.03 s; the default strategy writes the template through the WAL, 0.25 s)."""
        assert not (icu_locale and template), "a copy keeps its template's collation"
        name = f"a2p_test_{os.getpid()}_{next(self._databases)}"
        with self.admin() as db:
            source = f' TEMPLATE "{template}"' if template else ""
            if icu_locale:
                source = f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'"
            db.execute(f'CREATE DATABASE "{name}" OWNER {USER} STRATEGY FILE_COPY{source}')
        return name

    @staticmethod
    def database_of(url: str) -> str:
        """The name of the database `url` points at."""
        return str(conninfo_to_dict(url)["dbname"])

    def drop_database(self, *names: str) -> None:
        with self.admin() as db:
            for name in names:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def halt(self) -> None:
        """Stop the server at once, as a crash would (its clients lose their connections), keeping its data."""
        _as_postgres([str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-s"])

    def resume(self) -> None:
        """Start the halted server again on its data."""
        done = _as_postgres(_pg_ctl_start(self))
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()}")

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_postgres(argv: list[str]) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + argv, capture_output=True, text=True, timeout=120)


def start(*, durable: bool = False) -> Server:
    """initdb and start a server in a new folder under /tmp; RuntimeError (with PostgreSQL's words) if it fails."""
    binaries = bin_dir()
    assert binaries is not None, missing_reason()
    folder = Path(tempfile.mkdtemp(prefix="a2p-pg-"))  # /tmp: short enough for a socket path, reachable by postgres
    password = secrets.token_urlsafe(16)
    (folder / "password").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(folder / "password", "postgres")
    server = Server(folder, binaries, password, durable)
    steps = (
        [str(binaries / "initdb"), "-D", str(server.data), "-U", "postgres", "--pwfile", str(folder / "password"),
         "--auth-local=scram-sha-256", "--auth-host=reject", "-E", "UTF8", "--locale=C.UTF-8", "-N"],
        _pg_ctl_start(server),
    )
    for argv in steps:
        done = _as_postgres(argv)
        if done.returncode:
            log = folder / "server.log"
            detail = done.stderr.strip() + (f"\n{log.read_text()}" if log.exists() else "")
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"{Path(argv[0]).name} failed: {detail}")
    (folder / "password").unlink()
    try:
        with server.admin() as db:
            db.execute(f"CREATE ROLE {USER} LOGIN PASSWORD {_literal(password)}")
        _check_extensions(server)
    except BaseException:
        server.stop()
        raise
    return server


def _pg_ctl_start(server: Server) -> list[str]:
    return [str(server.bin / "pg_ctl"), "start", "-D", str(server.data), "-w", "-s", "-l",
            str(server.folder / "server.log"), "-o", f"-c listen_addresses='' -k {server.folder} -c fsync=off "
            f"-c full_page_writes=off -c synchronous_commit={'on' if server.durable else 'off'} "
            "-c max_connections=200"]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_extensions(server: Server) -> None:
    """The contrib extensions install in a database the store's role owns (they are trusted ones)."""
    name = server.create_database()
    try:
        with psycopg.connect(server.url(name), autocommit=True) as db:
            for extension in EXTENSIONS:
                try:
                    db.execute(f"CREATE EXTENSION {extension}")
                except psycopg.Error as exc:
                    raise MissingExtension(f"PostgreSQL's {extension} extension is not installed (apt-get "
                                           f"install postgresql-contrib): {exc}") from exc
    finally:
        server.drop_database(name)



def halting_cli(folder: str, bin_dir: str, at: str, *argv: str) -> int:
    """`a2p-wizard ARGV` in this process, the server in `folder` halted when the flow reaches `at`
    ("<action>:<point>", the points of wizard.flow.engine.crash_point): a server lost in the middle of a run."""
    from wizard.cli import main
    from wizard.flow import engine

    server = Server(Path(folder), Path(bin_dir), "")

    def halt_there(action: str, point: str) -> None:
        if f"{action}:{point}" == at:
            server.halt()

    engine.crash_point = halt_there
    return main(list(argv))


if __name__ == "__main__":
    import sys

    sys.exit(halting_cli(*sys.argv[1:]))
