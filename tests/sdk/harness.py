"""Test harness: starts a real `labbook serve` and runs real clearml SDK scripts.

Used by the pytest suite (as a library) and by the Playwright tests (as a
command: `python harness.py serve-and-seed`, which starts a server, runs the
walking-skeleton script against it, prints one JSON line with the URLs and
ids, and keeps serving until it is terminated).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
ACCESS_KEY = "TESTACCESSKEY0000001"
SECRET_KEY = "test-secret-key-for-labbook-0123456789"
# The first admin's password (the dashboard's sign-in).
ADMIN_PASSWORD = "test-admin-password-0123"

DEMO_SCRIPT = '''import argparse
from clearml import Task
p = argparse.ArgumentParser(); p.add_argument("--lr", type=float, default=0.1); args = p.parse_args()
task = Task.init(project_name="demo/vision", task_name="first run")
print(f"training with lr={args.lr}")
for i in range(100):
    task.get_logger().report_scalar("loss", "train", value=1.0 / (i + 1), iteration=i)
    print(f"step {i}")
task.close()
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(admin_url: str) -> str:
    """Creates an empty PostgreSQL database next to `admin_url` and returns its URL."""
    name = "labbook_" + uuid.uuid4().hex
    subprocess.run(["psql", admin_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return admin_url.rsplit("/", 1)[0] + "/" + name


def database_url_for_test() -> str | None:
    """A fresh PostgreSQL database when TEST_DATABASE_URL is set, else None (SQLite)."""
    admin = os.environ.get("TEST_DATABASE_URL")
    return fresh_database(admin) if admin else None


def labbook_bin() -> Path:
    return Path(os.environ.get("LABBOOK_BIN", ROOT / "target" / "debug" / "labbook"))


@dataclass
class Server:
    """A running `labbook serve` on a fresh data directory and free ports."""

    data_dir: Path
    database_url: str | None = None
    web_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    files_port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    # HTTPS: (certificate, key) PEM files; clients then trust the certificate.
    tls: tuple[Path, Path] | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def verify(self):
        """What `requests` checks the server's certificate against."""
        return str(self.tls[0]) if self.tls else True

    @property
    def api_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.api_port}"

    @property
    def web_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.web_port}"

    @property
    def files_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.files_port}"

    def start(self, timeout: float = 60.0, with_keys: bool = True) -> "Server":
        env = dict(os.environ)
        env.update(LABBOOK_DATA_DIR=str(self.data_dir), LEPTOS_SITE_ROOT=str(ROOT / "target" / "site"))
        env["LABBOOK_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        env.pop("LABBOOK_ACCESS_KEY", None)
        env.pop("LABBOOK_SECRET_KEY", None)
        if with_keys:
            env.update(LABBOOK_ACCESS_KEY=ACCESS_KEY, LABBOOK_SECRET_KEY=SECRET_KEY)
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        self.log_path = self.data_dir / "server.log"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                str(labbook_bin()), "serve",
                "--web-port", str(self.web_port),
                "--api-port", str(self.api_port),
                "--files-port", str(self.files_port),
                *(["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])] if self.tls else []),
            ],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"labbook exited early:\n{self.log()}")
            try:
                if requests.get(f"{self.web_url}/", timeout=2, verify=self.verify).status_code == 200 and \
                        requests.get(f"{self.api_url}/auth.login", timeout=2, verify=self.verify).status_code == 401:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"labbook did not start in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def kill(self) -> None:
        """Ends the server abruptly (SIGKILL), as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def client_env(self, home: Path) -> dict:
        """The environment a clearml SDK process needs to talk to this server.

        The SDK's config file only turns off its forked reporting subprocess:
        clearml 2.1.12 forks it while its repository-detection thread may be
        spawning `git`, and the forked child then holds that spawn's pipe
        open, so `Task.close()` waits forever. Seen here once the venv had
        more packages (a slower import analysis widens the window). The API
        calls are the same either way; threads send them instead."""
        home.mkdir(parents=True, exist_ok=True)
        conf = home / "clearml.conf"
        conf.write_text("sdk { development { report_use_subprocess: false } }\n")
        env = dict(os.environ)
        env.update(
            CLEARML_API_HOST=self.api_url,
            CLEARML_WEB_HOST=self.web_url,
            CLEARML_FILES_HOST=self.files_url,
            CLEARML_API_ACCESS_KEY=ACCESS_KEY,
            CLEARML_API_SECRET_KEY=SECRET_KEY,
            CLEARML_CONFIG_FILE=str(conf),
            HOME=str(home),
        )
        return env


class Api:
    """A minimal ClearML API client, to check what the server stored."""

    def __init__(self, server: Server):
        self.base = server.api_url
        basic = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
        r = requests.get(f"{self.base}/auth.login", headers={"Authorization": f"Basic {basic}"}, timeout=10)
        r.raise_for_status()
        self.token = r.json()["data"]["token"]

    def raw(self, endpoint: str, body=None, *, version: str = "v2.23", data: bytes | None = None,
            headers: dict | None = None) -> requests.Response:
        h = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        h.update(headers or {})
        payload = data if data is not None else json.dumps(body if body is not None else {})
        return requests.get(f"{self.base}/{version}/{endpoint}", data=payload, headers=h, timeout=30)

    def call(self, endpoint: str, body=None, **kw) -> dict:
        r = self.raw(endpoint, body, **kw)
        meta = r.json()["meta"]
        assert r.status_code == 200, f"{endpoint}: {r.status_code} {meta}"
        return r.json()["data"]


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    # No background maintenance: a detached `git gc --auto` could hold the output pipe open.
    env["GIT_CONFIG_COUNT"], env["GIT_CONFIG_KEY_0"], env["GIT_CONFIG_VALUE_0"] = "1", "gc.auto", "0"
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True,
                          timeout=120).stdout.strip()


def make_demo_repo(base: Path) -> tuple[Path, Path, str]:
    """A git repository with the demo script committed, pushed to a bare
    origin, and one uncommitted change. Returns (work dir, origin, commit)."""
    origin = base / "origin.git"
    work = base / "work"
    work.mkdir(parents=True)
    git(base, "init", "--bare", "-b", "main", str(origin))
    git(work, "init", "-b", "main")
    (work / "train.py").write_text(DEMO_SCRIPT)
    git(work, "add", "train.py")
    git(work, "commit", "-m", "demo script")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-u", "origin", "main")
    commit = git(work, "rev-parse", "HEAD")
    with open(work / "train.py", "a") as f:
        f.write("# an uncommitted change\n")
    return work, origin, commit


def run_demo(server: Server, base: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs the walking-skeleton script with the real SDK in a fresh repo."""
    work, _, _ = make_demo_repo(base)
    home = base / "home"
    home.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "train.py", *args], cwd=work, env=server.client_env(home),
                          capture_output=True, text=True, timeout=300)


SCRIPTS = Path(__file__).resolve().parent / "scripts"


def run_script(server: Server, base: Path, name: str, *args: str, timeout: int = 300) -> dict:
    """Runs tests/sdk/scripts/<name> with the real SDK in a fresh directory (not a git repository)
    and returns the JSON summary it prints last on stderr."""
    work = base / name.replace(".py", "")
    work.mkdir(parents=True, exist_ok=True)
    home = base / "home"
    home.mkdir(exist_ok=True)
    # A copy outside any git repository: the SDK then stores the whole script.
    shutil.copy(SCRIPTS / name, work / name)
    run = subprocess.run([sys.executable, name, *args], cwd=work, env=server.client_env(home),
                         capture_output=True, text=True, timeout=timeout)
    summary = [line for line in run.stderr.splitlines() if line.startswith("{")]
    if run.returncode != 0 or not summary:
        raise AssertionError(f"{name} failed ({run.returncode}):\nSTDOUT\n{run.stdout}\nSTDERR\n{run.stderr}\n"
                             f"SERVER\n{server.log()[-5000:]}")
    return json.loads(summary[-1])


def serve_and_seed() -> None:
    base = Path(tempfile.mkdtemp(prefix="labbook-e2e-"))
    server = Server(data_dir=base / "data", database_url=database_url_for_test())
    port = os.environ.get("LABBOOK_E2E_WEB_PORT")
    if port:
        server.web_port = int(port)
    server.start()
    try:
        run = run_demo(server, base, "--lr", "0.25")
        if run.returncode != 0:
            raise RuntimeError(f"demo script failed:\n{run.stdout}\n{run.stderr}")
        report = run_script(server, base, "reporting.py")
        artifacts = run_script(server, base, "artifacts_models.py")
        api = Api(server)
        tasks = api.call("tasks.get_all", {"name": "^first run$"})["tasks"]
        print(json.dumps({"web_url": server.web_url, "api_url": server.api_url, "files_url": server.files_url,
                          "task_id": tasks[0]["id"], "report_task_id": report["id"],
                          "artifact_task_id": artifacts["task"], "access_key": ACCESS_KEY,
                          "secret_key": SECRET_KEY, "admin_login": "admin",
                          "admin_password": ADMIN_PASSWORD}), flush=True)
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        while not stop:
            time.sleep(0.2)
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["serve-and-seed"]:
        serve_and_seed()
    else:
        sys.exit("usage: harness.py serve-and-seed")
