"""The seed documents' workflows through the unmodified clearml SDK, each
checked through the API afterwards."""

import pytest

from harness import run_script


def hp(task, section, name):
    return task["hyperparams"][section][name]["value"]


@pytest.fixture(scope="module")
def capture(server, tmp_path_factory):
    return run_script(server, tmp_path_factory.mktemp("capture"), "capture.py")


def test_capture_init_connect_configuration_and_properties(capture, api):
    t = api.call("tasks.get_by_id", {"task": capture["id"]})["task"]
    assert t["type"] == "testing"
    assert t["status"] == "completed"
    assert sorted(t["tags"]) == ["t1", "t2", "t3"]
    assert t["comment"] == "a comment"
    assert hp(t, "General", "alpha") == "1"
    assert hp(t, "General", "nested/a") == "2"
    assert hp(t, "model", "depth") == "3"
    assert hp(t, "General", "extra") == "x"
    assert hp(t, "properties", "owner") == "probe"
    assert t["hyperparams"]["properties"]["stage"]["description"] == "stage of work"
    assert "layers" in t["configuration"]["net"]["value"]
    assert t["configuration"]["net"]["type"] == "dictionary"
    assert "batch: 32" in t["configuration"]["file_cfg"]["value"]
    assert "k" in t["configuration"]["obj"]["value"]
    assert capture["progress"] == 42
    assert capture["props"]["owner"]["value"] == "probe"
    assert capture["params"]["General/alpha"] == "1"
    # The whole script is stored when there is no repository.
    assert "connect_configuration" in t["script"]["diff"]
    assert t["script"]["entry_point"] == "capture.py"
    # Nested project path, and a second Task.init in the same process.
    project = api.call("projects.get_by_id", {"project": t["project"]})["project"]
    assert project["name"] == "capture/deep/nest"
    assert len(project["path"]) == 2
    second = api.call("tasks.get_by_id", {"task": capture["second"]})["task"]
    assert second["name"] == "second run" and second["status"] == "completed"
    log = api.call("events.get_task_log", {"task": capture["id"], "navigate_earlier": False, "order": "asc"})
    assert any("hello from capture" in e["msg"] for e in log["events"])
    # The resource monitor's machine metrics arrive as scalars.
    scalars = api.call("events.scalar_metrics_iter_histogram", {"task": capture["id"]})
    assert ":monitor:machine" in scalars, sorted(scalars)


@pytest.fixture(scope="module")
def query_clone(server, tmp_path_factory):
    return run_script(server, tmp_path_factory.mktemp("query"), "query_clone.py")


def test_queries(query_clone):
    q = query_clone
    assert q["by_tag"] == ["other seed", "seed task"]
    assert q["by_all"] == ["seed task"]
    assert q["by_not"] == ["other seed"]
    assert q["by_name"] == ["other seed", "seed task"], "task_name is a case-insensitive contains"
    assert q["by_type"] == ["other seed"]
    assert q["by_ids"] == ["other seed", "seed task"]
    assert q["by_status"] == ["seed task", "other seed"], "completed, name descending"
    assert q["by_not_op"] == ["other seed"]
    assert q["single"] == {"best_acc": 0.93}
    assert q["scalars"]["acc"]["val"]["y"] == [0.8]


def test_clone_edit_enqueue_dequeue(query_clone, api):
    q = query_clone
    clone = api.call("tasks.get_by_id", {"task": q["clone"]})["task"]
    assert clone["name"] == "cloned task"
    assert clone["parent"] == q["seed"]
    assert clone["status"] == "queued"
    assert hp(clone, "General", "alpha") == "5" and hp(clone, "General", "beta") == "three"
    assert "development" not in clone["system_tags"]
    assert clone["last_metrics"] == {} and clone["runtime"] == {}
    default = api.call("queues.get_all", {"name": "^default$"})["queues"][0]
    assert clone["execution"]["queue"] == default["id"]
    assert [e["task"] for e in default["entries"]] == [q["clone"], q["moved"]]
    moved = api.call("tasks.get_by_id", {"task": q["moved"]})["task"]
    assert (moved["project"], moved["comment"], moved["status"]) == (q["elsewhere"], "moved here", "queued")
    assert moved["execution"]["queue"] == default["id"], "enqueued by queue id"
    dc = api.call("tasks.get_by_id", {"task": q["default_clone"]})["task"]
    assert dc["name"] == "Clone Of seed task"
    assert dc["status"] == "created", "dequeued back to draft"


def test_lifecycle(server, api, tmp_path):
    ids = run_script(server, tmp_path, "lifecycle.py")
    get = lambda name: api.call("tasks.get_by_id", {"task": ids[name]})["task"]  # noqa: E731
    assert get("to reset")["status"] == "created"
    assert get("to stop")["status"] == "stopped"
    failed = get("to fail")
    assert failed["status"] == "failed" and failed["status_reason"] == "boom"
    assert get("to publish")["status"] == "published"
    assert "archived" in get("to archive")["system_tags"]
    r = api.raw("tasks.get_by_id", {"task": ids["to delete"]})
    assert r.status_code == 400 and r.json()["meta"]["result_subcode"] == 101


def test_artifacts_and_models(server, api, tmp_path):
    out = run_script(server, tmp_path, "artifacts_models.py")
    got = out["got"]
    assert got["dict"] == {"a": 1, "b": [1, 2, 3]}
    assert got["file"] == "artifact file content\n"
    assert got["numpy"] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert got["pandas"] == {"x": [1, 2], "y": ["a", "b"]}
    assert "x.txt" in got["folder"]
    assert got["model_bytes"] == len(b"\x00\x01weights" * 100)
    assert got["queried"] == [out["model"]]
    t = api.call("tasks.get_by_id", {"task": out["task"]})["task"]
    keys = {a["key"]: a for a in t["execution"]["artifacts"]}
    assert set(keys) >= {"dict_artifact", "file_artifact", "folder_artifact", "numpy_artifact", "pandas_artifact"}
    assert keys["pandas_artifact"]["type_data"]["preview"]
    outputs = [m["model"] for m in t["models"]["output"]]
    assert out["model"] in outputs
    auto = [api.call("models.get_by_id", {"model": m})["model"] for m in outputs if m != out["model"]]
    assert any(m["uri"].endswith("auto_model.pkl") and m["framework"] == "ScikitLearn" for m in auto), auto
    model = api.call("models.get_by_id", {"model": out["model"]})["model"]
    assert model["uri"].startswith(server.files_url) and model["task"] == out["task"]
    assert model["name"] == "art model" and model["tags"] == ["m1"]
