"""The walking skeleton: the unmodified demo script, run with the real clearml
SDK against a real `labbook serve`, and what the server stored."""

import pytest

from harness import make_demo_repo, run_demo


@pytest.fixture(scope="module")
def demo(server, api, tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    run = run_demo(server, base, "--lr", "0.25")
    assert run.returncode == 0, f"script failed:\nSTDOUT\n{run.stdout}\nSTDERR\n{run.stderr}\nSERVER\n{server.log()}"
    return run


def project_by_name(api, name):
    found = api.call("projects.get_all", {"name": f"^{name}$"})["projects"]
    assert len(found) == 1, f"project {name}: {found}"
    return found[0]


def the_task(api):
    vision = project_by_name(api, "demo/vision")
    tasks = api.call("tasks.get_all", {"project": [vision["id"]], "only_fields": ["id", "name"]})["tasks"]
    assert [t["name"] for t in tasks] == ["first run"]
    return api.call("tasks.get_by_id", {"task": tasks[0]["id"]})["task"]


def test_project_tree_is_created_by_path(demo, api):
    demo_p = project_by_name(api, "demo")
    vision = project_by_name(api, "demo/vision")
    assert vision["parent"] == demo_p["id"]
    assert vision["basename"] == "vision"
    assert demo_p["parent"] is None


def test_task_fields_status_and_script(demo, api, tmp_path):
    t = the_task(api)
    assert t["type"] == "training"
    assert t["status"] == "completed"
    assert t["started"] and t["completed"]
    s = t["script"]
    assert s["repository"].endswith("origin.git")
    assert s["branch"] == "main"
    assert len(s["version_num"]) == 40
    assert s["entry_point"] == "train.py"
    assert s["working_dir"] == "."
    assert "+# an uncommitted change" in s["diff"]
    assert "clearml" in s["requirements"]["pip"]


def test_argparse_arguments_are_in_args(demo, api):
    args = the_task(api)["hyperparams"]["Args"]
    assert args["lr"]["value"] == "0.25"
    assert args["lr"]["type"] == "float"


def test_runtime_properties_and_progress(demo, api):
    rt = the_task(api)["runtime"]
    assert rt.get("progress") == "100"
    assert "python_version" in rt


def test_console_lines_are_stored(demo, api):
    t = the_task(api)
    log = api.call("events.get_task_log", {"task": t["id"], "batch_size": 10000, "navigate_earlier": False,
                                           "order": "asc"})
    text = "\n".join(e["msg"] for e in log["events"])
    for i in range(100):
        assert f"step {i}\n" in text + "\n", f"missing console line 'step {i}'"
    assert log["total"] == len(log["events"])


def test_scalars_are_stored(demo, api):
    t = the_task(api)
    h = api.call("events.scalar_metrics_iter_histogram", {"task": t["id"], "key": "iter"})
    train = h["loss"]["train"]
    assert train["x"] == list(range(100))
    assert train["y"] == pytest.approx([1.0 / (i + 1) for i in range(100)])
    assert t["last_iteration"] == 99
    metrics = [v for m in t["last_metrics"].values() for v in m.values()]
    loss = next(m for m in metrics if m["metric"] == "loss")
    assert loss["value"] == pytest.approx(0.01)
    assert loss["max_value"] == pytest.approx(1.0)
    assert loss["count"] == 100


def test_demo_repo_helper_makes_an_uncommitted_change(tmp_path):
    work, origin, commit = make_demo_repo(tmp_path)
    assert origin.exists() and len(commit) == 40
    assert (work / "train.py").read_text().endswith("# an uncommitted change\n")
