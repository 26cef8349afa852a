"""Agents run enqueued tasks (clearml-api.md §6): the official clearml-agent
3.0.x in venv mode and `labbook agent`, against a real server, with the real
SDK inside the task. A task is run locally, cloned, edited and enqueued; the
agent checks out the recorded commit, applies the uncommitted diff and runs
it with the edited values. Aborts stop the process; faults end in a failed
task with the reason; every task of a queue runs exactly once."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import SCRIPTS, Api, Server, database_url_for_test, git, labbook_bin, run_script

AGENTS = ["clearml-agent", "labbook"]


class Agent:
    """A running agent process of either kind."""

    def __init__(self, server: Server, kind: str, home: Path, name: str, *extra: str, env: dict | None = None,
                 reuse_python: bool = True):
        self.log_path = home / f"agent-{name}.log"
        e = server.client_env(home)
        e.update(env or {})
        if kind == "clearml-agent":
            e.update(CLEARML_AGENT_SKIP_PIP_VENV_INSTALL=sys.executable, CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL="1",
                     CLEARML_WORKER_ID=f"{name}:0")
            cmd = [str(Path(sys.executable).parent / "clearml-agent"), "daemon", "--queue", "default", "--foreground"]
        else:
            cmd = [str(labbook_bin()), "agent", "--name", name, "--python", sys.executable,
                   "--work-dir", str(home / "agent"), "--report-interval", "1", *extra]
            if reuse_python:
                cmd.append("--reuse-python")
        self.proc = subprocess.Popen(cmd, env=e, cwd=home, stdout=open(self.log_path, "ab"),
                                     stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def console(api, task) -> str:
    events = api.call("events.get_task_log", {"task": task, "batch_size": 10000, "order": "asc"})["events"]
    return "\n".join(e.get("msg", "") for e in events)


def wait_status(api, task, statuses, timeout, agent=None) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        t = api.call("tasks.get_by_id", {"task": task})["task"]
        if t["status"] in statuses:
            return t
        time.sleep(0.3)
    raise AssertionError(f"task {task} is {t['status']} ({t.get('status_reason')}), not {statuses} after {timeout}s\n"
                         f"CONSOLE\n{console(api, task)[-3000:]}\nAGENT\n{agent.log()[-3000:] if agent else ''}")


def wait_console(api, task, text, timeout, agent=None) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        c = console(api, task)
        if text in c:
            return c
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not in the console of {task}:\n{console(api, task)[-3000:]}\n"
                         f"AGENT\n{agent.log()[-3000:] if agent else ''}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def make_source(server: Server, base: Path) -> str:
    """Runs the training script locally from a git repository with an
    uncommitted change; answers the task's id."""
    origin, work = base / "origin.git", base / "work"
    work.mkdir(parents=True)
    git(base, "init", "--bare", "-b", "main", str(origin))
    git(work, "init", "-b", "main")
    shutil.copy(SCRIPTS / "agent_train.py", work / "train.py")
    git(work, "add", "train.py")
    git(work, "commit", "-m", "training script")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-u", "origin", "main")
    with open(work / "train.py", "a") as f:
        f.write('print("the uncommitted change is applied", flush=True)\n')
    run = subprocess.run([sys.executable, "train.py", "--lr", "0.1"], cwd=work, env=server.client_env(base / "home"),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    api = Api(server)
    task = api.call("tasks.get_all", {"name": "^agent run$"})["tasks"][0]["id"]
    t = api.call("tasks.get_by_id", {"task": task})["task"]
    assert t["script"]["repository"] == str(origin) and "uncommitted change" in t["script"]["diff"]
    return task


@pytest.fixture(scope="module")
def source(server, tmp_path_factory):
    return make_source(server, tmp_path_factory.mktemp("agents"))


def edited_clone(api, source, name, lr="0.5", steps="5", sleep="0", enqueue=True) -> str:
    """Clones the source task and edits it as the UI's draft form does."""
    clone = api.call("tasks.clone", {"task": source, "new_task_name": name})["id"]
    api.call("tasks.edit_hyper_params", {"task": clone, "hyperparams": [
        {"section": "Args", "name": "lr", "value": lr},
        {"section": "Args", "name": "steps", "value": steps},
        {"section": "Args", "name": "sleep", "value": sleep},
        {"section": "General", "name": "batch_size", "value": "64"},
    ]})
    api.call("tasks.edit", {"task": clone, "force": True, "configuration": {
        "net": {"name": "net", "type": "dictionary", "value": "layers = 5"}}})
    if enqueue:
        api.call("tasks.enqueue", {"task": clone, "queue_name": "default"})
    return clone


@pytest.mark.parametrize("kind", AGENTS)
def test_agent_runs_the_edited_clone(server, api, source, tmp_path, kind):
    clone = edited_clone(api, source, f"edited on {kind}")
    agent = Agent(server, kind, tmp_path, f"run-{kind}")
    try:
        t = wait_status(api, clone, {"completed", "failed", "stopped"}, 120, agent)
        assert t["status"] == "completed", t.get("status_reason")
        out = console(api, clone)
        assert "lr=0.5 steps=5 batch_size=64 layers=5 remote=True" in out, out
        assert "the uncommitted change is applied" in out
        h = api.call("events.scalar_metrics_iter_histogram", {"task": clone})
        assert h["loss"]["train"]["x"] == [0, 1, 2, 3, 4] and h["loss"]["train"]["y"][0] == 0.5
        assert t["execution"].get("queue") in (None, "")
    finally:
        agent.stop()


@pytest.mark.parametrize("kind", AGENTS)
def test_abort_stops_the_process_and_the_task_ends_aborted(server, api, source, tmp_path, kind):
    clone = edited_clone(api, source, f"aborted on {kind}", steps="100000", sleep="0.1")
    agent = Agent(server, kind, tmp_path, f"abort-{kind}")
    try:
        out = wait_console(api, clone, "step 3", 120, agent)
        pid = int(out.split(" pid=")[1].split()[0])
        assert pid_alive(pid)
        workers = {w["id"]: w for w in api.call("workers.get_all", {})["workers"]}
        mine = [w for w in workers.values() if w["id"].startswith(f"abort-{kind}:")]
        assert mine and (mine[0]["task"] or {}).get("id") == clone, workers
        # What the UI's Abort does.
        asked = time.time()
        api.call("tasks.stop", {"task": clone})
        t = wait_status(api, clone, {"stopped", "failed", "completed"}, 10, agent)
        while pid_alive(pid) and time.time() - asked < 10:
            time.sleep(0.2)
        took = time.time() - asked
        assert not pid_alive(pid), "the task's process still runs 10 s after the abort"
        assert t["status"] == "stopped", t.get("status_reason")
        assert took <= 10
    finally:
        agent.stop()


@pytest.mark.parametrize("kind", AGENTS)
def test_execute_remotely_and_function_task_run_on_the_agent(server, api, tmp_path, kind):
    ids = run_script(server, tmp_path, "agent_remote.py")
    assert api.call("tasks.get_by_id", {"task": ids["main"]})["task"]["status"] == "queued"
    api.call("tasks.enqueue", {"task": ids["func"], "queue_name": "default"})
    agent = Agent(server, kind, tmp_path, f"remote-{kind}")
    try:
        for task in (ids["main"], ids["func"]):
            t = wait_status(api, task, {"completed", "failed", "stopped"}, 120, agent)
            assert t["status"] == "completed", (task, t.get("status_reason"), console(api, task)[-2000:])
        assert "main goes on remotely with lr=0.1" in console(api, ids["main"])
        assert "remote_func called with x=3 y=b" in console(api, ids["func"])
    finally:
        agent.stop()


def test_a_killed_agent_leaves_its_task_failed_after_the_timeout_and_loses_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setenv("LABBOOK_WORKER_TIMEOUT", "3")
    server = Server(data_dir=tmp_path / "data", database_url=database_url_for_test()).start()
    try:
        api = Api(server)
        src = make_source(server, tmp_path / "src")
        running = edited_clone(api, src, "killed under", steps="100000", sleep="0.1")
        waiting = edited_clone(api, src, "waits behind")
        agent = Agent(server, "labbook", tmp_path, "doomed")
        out = wait_console(api, running, "step 3", 120, agent)
        pid = int(out.split(" pid=")[1].split()[0])
        agent.proc.kill()
        agent.proc.wait()
        t = wait_status(api, running, {"failed", "completed", "stopped"}, 30)
        assert t["status"] == "failed" and "doomed:0 stopped reporting" in t["status_reason"], t["status_reason"]
        deadline = time.time() + 5
        while pid_alive(pid) and time.time() < deadline:
            time.sleep(0.1)
        assert not pid_alive(pid), "the task's process outlived its agent"
        # Nothing else is lost: the console so far, and the task that waited.
        assert "step 3" in console(api, running)
        assert api.call("tasks.get_by_id", {"task": waiting})["task"]["status"] == "queued"
        rescuer = Agent(server, "labbook", tmp_path, "rescuer")
        try:
            assert wait_status(api, waiting, {"completed", "failed"}, 120, rescuer)["status"] == "completed"
        finally:
            rescuer.stop()
    finally:
        server.stop()


def test_an_unclonable_repository_fails_the_task_with_the_reason(server, api, source, tmp_path):
    clone = edited_clone(api, source, "bad repository", enqueue=False)
    script = api.call("tasks.get_by_id", {"task": clone})["task"]["script"]
    script["repository"] = str(tmp_path / "no-such-repo.git")
    api.call("tasks.edit", {"task": clone, "script": script})
    api.call("tasks.enqueue", {"task": clone, "queue_name": "default"})
    agent = Agent(server, "labbook", tmp_path, "badrepo")
    try:
        t = wait_status(api, clone, {"failed", "completed"}, 60, agent)
        assert t["status"] == "failed" and "could not clone the repository" in t["status_reason"], t["status_reason"]
        out = console(api, clone)
        assert "does not exist" in out and "could not clone the repository" in out, out
    finally:
        agent.stop()


def test_requirements_build_an_environment_once_and_bad_ones_fail_the_task(server, api, source, tmp_path):
    first = edited_clone(api, source, "builds the environment", enqueue=False)
    broken = edited_clone(api, source, "cannot install", enqueue=False)
    second = edited_clone(api, source, "reuses the environment", enqueue=False)
    import clearml
    good = f"# Python {sys.version.split()[0]}\nclearml == {clearml.__version__}\n"
    for task, pip in [(first, good), (broken, "labbook-no-such-package==9.9.9\n"), (second, good)]:
        api.call("tasks.set_requirements", {"task": task, "requirements": {"pip": pip}})
        api.call("tasks.enqueue", {"task": task, "queue_name": "default"})
    agent = Agent(server, "labbook", tmp_path, "venvs", reuse_python=False)
    try:
        for task in (first, broken, second):
            wait_status(api, task, {"failed", "completed", "stopped"}, 600, agent)
        t = api.call("tasks.get_by_id", {"task": first})["task"]
        out = console(api, first)
        assert t["status"] == "completed", (t["status_reason"], out[-3000:])
        assert "installing the recorded requirements" in out and "remote=True" in out
        t = api.call("tasks.get_by_id", {"task": broken})["task"]
        assert t["status"] == "failed" and "could not install the requirements" in t["status_reason"]
        assert "labbook-no-such-package" in console(api, broken)
        out = console(api, second)
        assert api.call("tasks.get_by_id", {"task": second})["task"]["status"] == "completed"
        assert "using the cached environment" in out and "installing" not in out
    finally:
        agent.stop()


TINY = """import os
with open(os.environ["LABBOOK_TEST_RUNS"], "a") as f:
    f.write(os.environ["CLEARML_TASK_ID"] + "\\n")
"""


def test_each_of_many_tasks_runs_exactly_once_on_four_agents(server, api, tmp_path):
    """On PostgreSQL also across two server processes sharing the database."""
    n = int(os.environ.get("LABBOOK_EXACTLY_ONCE_TASKS", "1000"))
    q = api.call("queues.create", {"name": "exactly-once"})["id"]
    template = api.call("tasks.create", {"name": "tiny", "type": "training"})["id"]
    api.call("tasks.edit", {"task": template, "script": {"entry_point": "tiny.py", "diff": TINY, "working_dir": "."}})
    ids = []
    for i in range(n):
        tid = api.call("tasks.clone", {"task": template, "new_task_name": f"tiny {i}"})["id"]
        api.call("tasks.enqueue", {"task": tid, "queue": q})
        ids.append(tid)
    runs = tmp_path / "runs.txt"
    # On PostgreSQL, half of the agents talk to a second server process on
    # the same database.
    servers = [server, server]
    if server.database_url:
        second = Server(data_dir=tmp_path / "second", database_url=server.database_url).start()
        servers = [server, second]
    started = time.time()
    agents = [Agent(servers[i % 2], "labbook", tmp_path, f"once{i}", "--queue", "exactly-once",
                    env={"LABBOOK_TEST_RUNS": str(runs)}) for i in range(4)]
    try:
        deadline = time.time() + 900
        while time.time() < deadline:
            left = api.call("tasks.get_all", {"id": ids, "status": ["queued", "in_progress"], "only_fields": ["id"],
                                              "page_size": 1})["tasks"]
            if not left:
                break
            time.sleep(1)
        took = time.time() - started
        done = api.call("tasks.get_all", {"id": ids, "status": ["completed"], "only_fields": ["id"],
                                          "page_size": n + 1})["tasks"]
        lines = runs.read_text().split()
        assert len(done) == n, f"{n - len(done)} tasks did not complete"
        assert len(lines) == n and set(lines) == set(ids), "a task ran twice or not at all"
        per_agent = [sum(1 for line in a.log().splitlines() if " done " in line) for a in agents]
        print(f"\n{n} tasks on 4 agents in {took:.1f} s ({n / took:.1f} tasks/s); per agent: {per_agent}")
    finally:
        for a in agents:
            a.stop()
        if servers[1] is not server:
            servers[1].stop()
