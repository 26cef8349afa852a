"""First start on an empty database: a key pair is created, printed once
with the exact lines to export, and works; the next start does not print
a secret again. The API and fileserver are also served on the web port."""

import base64
import re

import requests

from harness import Server, database_url_for_test


def exports(log: str) -> dict:
    return dict(re.findall(r"export (CLEARML_[A-Z_]+)=(\S+)", log))


def test_first_start_prints_a_working_key_pair_once(tmp_path, monkeypatch):
    monkeypatch.delenv("LABBOOK_ACCESS_KEY", raising=False)
    server = Server(data_dir=tmp_path / "data", database_url=database_url_for_test())
    server.start(with_keys=False)
    try:
        env = exports(server.log())
        assert env["CLEARML_API_HOST"] == server.api_url
        assert env["CLEARML_WEB_HOST"] == server.web_url
        assert env["CLEARML_FILES_HOST"] == server.files_url
        key, secret = env["CLEARML_API_ACCESS_KEY"], env["CLEARML_API_SECRET_KEY"]
        basic = base64.b64encode(f"{key}:{secret}".encode()).decode()
        r = requests.get(f"{server.api_url}/auth.login", headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 200 and r.json()["data"]["token"]
        # Only a hash is stored: the secret is nowhere in the data directory.
        for f in (tmp_path / "data").rglob("*"):
            if f.is_file() and f.name != "server.log":
                assert secret.encode() not in f.read_bytes(), f"secret found in {f}"
        server.stop()
        first_log_len = len(server.log())
        server.start(with_keys=False)
        again = server.log()[first_log_len:]
        assert "CLEARML_API_SECRET_KEY" not in again
        assert secret not in again
        r = requests.get(f"{server.api_url}/auth.login", headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 200
    finally:
        server.stop()


def test_api_and_files_on_the_web_port(server, api):
    h = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"}
    r = requests.get(f"{server.web_url}/api/v2.23/projects.get_all", data="{}", headers=h)
    assert r.status_code == 200 and "projects" in r.json()["data"]
    r = requests.post(f"{server.web_url}/files/", files={"/web/port.txt": ("/web/port.txt", b"via web")},
                      headers={"Authorization": h["Authorization"]})
    assert r.status_code == 200
    r = requests.get(f"{server.files_url}/web/port.txt", headers={"Authorization": h["Authorization"]})
    assert r.content == b"via web"
