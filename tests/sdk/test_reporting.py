"""Results, reuse, remote execution, Task.create and offline mode through
the unmodified clearml SDK, checked through the API."""

import pytest

from harness import run_script


@pytest.fixture(scope="module")
def report(server, tmp_path_factory):
    return run_script(server, tmp_path_factory.mktemp("report"), "reporting.py")


def test_scalars_single_values_and_console_read_back(report):
    assert report["scalars"]["loss"]["train"]["y"] == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2])
    assert report["scalars"]["loss"]["val"]["x"] == [0, 1, 2, 3, 4]
    assert report["single"] == {"final_acc": 0.97}
    console = "\n".join(report["console"])
    assert "to stdout" in console and "to stderr" in console and "a text line" in console
    assert report["last"]["loss"]["train"]["last"] == pytest.approx(0.2)
    assert report["last"]["loss"]["train"]["max"] == pytest.approx(1.0)


def test_plots_and_debug_samples_through_the_events_api(report, api):
    plots = api.call("events.get_task_plots", {"task": report["id"]})["plots"]
    metrics = {p["metric"] for p in plots}
    assert {"scatter", "scatter3d", "hist", "table", "confusion", "lines", "plotly", "mpl"} <= metrics
    for p in plots:
        assert p["plot_str"].startswith("{")
    images = api.call("events.debug_images", {"metrics": [{"task": report["id"]}]})["metrics"][0]
    urls = [e["url"] for it in images["iterations"] for e in it["events"]]
    kinds = {e["metric"] for it in images["iterations"] for e in it["events"]}
    assert {"image", "media"} <= kinds
    assert all(u.startswith("http") for u in urls)


def test_reuse_last_task_id(server, api, tmp_path):
    first = run_script(server, tmp_path, "reuse.py", "first")["id"]
    again = run_script(server, tmp_path, "reuse.py", "again")["id"]
    assert again == first, "a development task without outputs is reused"
    t = api.call("tasks.get_by_id", {"task": first})["task"]
    assert t["last_metrics"] == {}, "reuse resets the task"
    assert "x" not in t["hyperparams"].get("General", {})
    other = run_script(server, tmp_path, "reuse.py", "no_reuse")["id"]
    assert other != first
    cont = run_script(server, tmp_path, "reuse.py", "continue")["id"]
    assert cont == other, "continue_last_task continues the newest one"


def test_execute_remotely_and_function_task(server, api, tmp_path):
    ids = run_script(server, tmp_path, "remote.py")
    main = api.call("tasks.get_by_id", {"task": ids["main"]})["task"]
    assert main["status"] == "queued"
    func = api.call("tasks.get_by_id", {"task": ids["func"]})["task"]
    assert func["hyperparams"]["Function"]["x"]["value"] == "3"
    assert func["hyperparams"]["Function"]["__func_readonly__"]["value"] == "remote_func"
    assert func["parent"] == ids["main"]


def test_task_create_and_offline_import(server, api, tmp_path):
    out = run_script(server, tmp_path, "create_offline.py")
    d = api.call("tasks.get_by_id", {"task": out["draft"]})["task"]
    assert d["status"] == "created"
    assert (d["script"]["repository"], d["script"]["branch"], d["script"]["entry_point"]) == \
        ("https://example.com/r.git", "dev", "train.py")
    assert d["script"]["working_dir"] == "src"
    assert d["container"]["image"] == "python:3.11"
    assert d["container"]["arguments"] == "--ipc=host"
    imported = api.call("tasks.get_by_id", {"task": out["imported"]})["task"]
    assert imported["name"] == "offline run"
    h = api.call("events.scalar_metrics_iter_histogram", {"task": out["imported"]})
    assert h["m"]["v"]["y"] == [3.0]


def test_query_tasks_pages_beyond_500(server, api, tmp_path):
    pid = api.call("projects.create", {"name": "many"})["id"]
    for i in range(1050):
        api.call("tasks.create", {"name": f"bulk task {i:04d}", "project": pid})
    out = run_script(server, tmp_path, "query_many.py")
    assert out == {"count": 1050, "unique": 1050}


def test_clearml_task_cli_creates_and_enqueues(server, api, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from harness import make_demo_repo

    _, origin, _ = make_demo_repo(tmp_path / "repo")
    home = tmp_path / "home"
    home.mkdir()
    cli = Path(sys.executable).parent / "clearml-task"
    repo = f"file://{origin}"
    run = subprocess.run([str(cli), "--project", "cli", "--name", "cli task", "--repo", repo, "--branch", "main",
                          "--script", "train.py", "--cwd", ".", "--args", "lr=0.3", "--queue", "default"],
                         cwd=tmp_path, env=server.client_env(home), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    tasks = api.call("tasks.get_all", {"name": "^cli task$"})["tasks"]
    assert len(tasks) == 1
    t = api.call("tasks.get_by_id", {"task": tasks[0]["id"]})["task"]
    assert t["script"]["repository"] == repo and t["script"]["entry_point"] == "train.py"
    assert t["hyperparams"]["Args"]["lr"]["value"] == "0.3"
    assert t["status"] == "queued"
