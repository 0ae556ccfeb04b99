"""Shared fixtures: the sample site on 127.0.0.1 and a way to run `newsmon` as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.sample_site import SampleSite
from monitor.store import open_db

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "config" / "sample.toml"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def site():
    with SampleSite() as running:
        yield running


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "monitor.db"


@pytest.fixture
def newsmon(site: SampleSite, db_path: Path):
    """Run the real `newsmon` command against the sample site and a fresh database."""
    return cli_runner(site, db_path)


def cli_runner(site: SampleSite, db_path: Path):
    def run(*args: str, config: Path = SAMPLE_CONFIG, timeout: float = 120) -> Result:
        env = {**os.environ, "NEWSMON_SAMPLE_URL": site.base_url, "NEWSMON_DB": str(db_path)}
        env.pop("NEWSMON_DEBUG", None)
        proc = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


def rows(db_path: Path, sql: str, params: list | None = None) -> list[dict]:
    db = open_db(db_path)
    try:
        return list(db.query(sql, params or []))
    finally:
        db.close()
