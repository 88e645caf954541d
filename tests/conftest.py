"""Shared fixtures. Autouse isolation: no test ever reads the user's own config, data,
keyring or LLM settings."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from replydesk.config import Config
from replydesk.domain.location import Location, StoreUrl
from replydesk.services.workspace import Workspace
from replydesk.store import Store

ENV_PREFIXES = ("REPLYDESK_", "OPENAI_")


def _test_server() -> str:
    """The PostgreSQL half of the suite runs against a throwaway server: the one `.ci/run`
    started (REPLYDESK_TEST_PG, read before the isolation below clears REPLYDESK_* for each
    test), else one started here when the server's binaries are installed."""
    given = os.environ.get("REPLYDESK_TEST_PG", "")
    if given or os.environ.get("REPLYDESK_TEST_NO_PG"):
        return given
    import atexit
    import shutil
    import subprocess
    import tempfile

    import pg_server

    bins = pg_server.bindir()
    if bins is None:
        return ""
    folder = Path(tempfile.mkdtemp(prefix="replydesk-pg-"))
    folder.chmod(0o755)  # the server runs as `postgres` when the tests run as root
    try:
        url = pg_server.start(folder / "pg", bins)
    except (OSError, subprocess.CalledProcessError):
        shutil.rmtree(folder, ignore_errors=True)
        return ""
    atexit.register(lambda: (pg_server.stop(folder / "pg"), shutil.rmtree(folder, True)))
    os.environ["REPLYDESK_TEST_PG"] = url  # pytest-xdist's workers, started later, share it
    return url


PG_URL = _test_server()
ENGINES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not PG_URL, reason="no PostgreSQL: run .ci/run, or set REPLYDESK_TEST_PG"
        ),
    ),
]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path_factory.mktemp("home")
    import os

    for key in list(os.environ):
        # REPLYDESK_TEST_* stay: a process a test starts that imports this file (a worker
        # running a test module's function) must not start a PostgreSQL of its own
        if key.startswith(ENV_PREFIXES) and not key.startswith("REPLYDESK_TEST_"):
            monkeypatch.delenv(key)
    for key in ("COLUMNS", "LINES"):  # pytest-xdist's workers set them; Textual obeys them
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("REPLYDESK_USER", "tester")
    from replydesk.domain import redact

    monkeypatch.setattr(redact, "_known", set())  # what one test revealed stays there
    return home


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each test taking it runs once per engine: SQLite, then PostgreSQL."""
    return str(request.param)


@pytest.fixture
def db_at(engine: str, tmp_path: Path) -> Iterator[Callable[[str], Location]]:
    """Where a test's database lives, by name: a file in ``tmp_path`` on SQLite, a fresh
    schema of the test server on PostgreSQL (dropped after the test). The same name is
    the same database, as two processes sharing one see it."""
    made: dict[str, Location] = {}

    def at(name: str = "test.db") -> Location:
        if name not in made:
            made[name] = tmp_path / name if engine == "sqlite" else pg_schema()
        return made[name]

    yield at
    for where in made.values():
        if isinstance(where, StoreUrl):
            drop_pg_schema(where)


def pg_schema() -> StoreUrl:
    """A new, empty schema on the test server, as a URL whose search_path selects it."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return StoreUrl(f"{PG_URL}?options=-csearch_path%3D{schema}")


def drop_pg_schema(url: StoreUrl) -> None:
    import psycopg

    schema = url.url.rsplit("%3D", 1)[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def ws(db_at: Callable[[str], Location]) -> Iterator[Workspace]:
    workspace = Workspace.open(Config(), db=db_at("test.db"), user="tester")
    yield workspace
    workspace.close()


@pytest.fixture
def demo_ws(tmp_path: Path) -> Iterator[Workspace]:
    from replydesk.services.demo import build_demo

    workspace = build_demo(tmp_path / "demo")
    yield workspace
    workspace.close()


def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


@pytest.fixture(autouse=True)
def file_keyring(isolated_env):
    """The real keyring API over keyrings.alt's file backend, in the test's own home."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(isolated_env / "keyring.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def server():
    from fakes.server import FakeServer

    srv = FakeServer().start()
    yield srv
    srv.stop()


_OPENED: list[Workspace] = []


@pytest.fixture(autouse=True)
def _close_opened() -> Iterator[None]:
    """Closes what `closed_after_test` was given and the test left open: a PostgreSQL
    pool left to the garbage collector warns from its own thread."""
    yield
    while _OPENED:
        _OPENED.pop().close()


def workspace_with(tmp_path: Path, toml: str, *, db: Location | None = None) -> Workspace:
    """A workspace on ``db`` (default: ``tmp_path / "ws.db"``) with ``toml`` as its config,
    written to ``tmp_path / "config.toml"``; closed after the test if it is still open."""
    from replydesk.config import parse

    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text(toml, encoding="utf-8")
    return closed_after_test(
        Workspace.open(parse(toml, cfg_path), db=db if db is not None else tmp_path / "ws.db")
    )


def closed_after_test(ws: Workspace) -> Workspace:
    """``ws``, closed after the test if the test leaves it open."""
    _OPENED.append(ws)
    return ws


def trustpilot_workspace(
    tmp_path: Path, server, name: str = "tp", extra: str = "", *, db: Location | None = None
) -> Workspace:
    """A workspace with one Trustpilot source on the loopback fake (its default keys)."""
    from replydesk import secrets

    secrets.set("tp-key", "key-4c1d")
    secrets.set("tp-secret", "secret-77aa")
    return workspace_with(
        tmp_path,
        f"""
[[sources]]
name = "{name}"
kind = "trustpilot"
business_unit_id = "bu1"
api_key_secret = "tp-key"
api_secret_secret = "tp-secret"
base_url = "{server.url}"
retries = 1
{extra}""",
        db=db,
    )


@pytest.fixture(scope="session")
def service_account():
    """A Google service-account key pair (slow to make: one per test run)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return pem, key.public_key()


def make_review(body: str, language: str = "en", *, author: str = "Kim Lee", **fields):
    """A stored-looking review for code that reads one (composer, facts, lint context)."""
    from datetime import UTC, datetime

    from replydesk.domain.models import Review

    values = dict(
        id=1, source="app", external_id="a1", author=author, author_key=author,
        author_id=None, rating=1, title="", body=body, language=language, url="",
        product_version="", created_at=datetime(2026, 11, 1, tzinfo=UTC), updated_at=None,
        fetched_at=None, version=1, edited=False, status="new", label=None,
    )  # fmt: skip
    return Review(**(values | fields))


def pg_row_estimates(store: Store) -> dict[str, int]:
    """The planner's row count per table of a PostgreSQL store: -1 until first analysed."""
    rows = store.db.query(
        "SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind = 'r'",
        (store.db.schema,),
    )
    return {name: int(n) for name, n in rows}


def db_arg(where: Location) -> str:
    """``where`` as ``--db`` takes it (a URL whole: its query selects the test's schema)."""
    return where.url if isinstance(where, StoreUrl) else str(where)
