"""Fixtures: a fresh labbook server per test module (SQLite, or PostgreSQL
when TEST_DATABASE_URL is set)."""

from pathlib import Path

import pytest

from harness import Api, Server, database_url_for_test


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("labbook")
    srv = Server(data_dir=base / "data", database_url=database_url_for_test()).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


@pytest.fixture
def workdir(tmp_path) -> Path:
    return tmp_path
