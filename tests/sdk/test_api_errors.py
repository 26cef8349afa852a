"""Bad input gets ClearML's error envelope with a precise message, and
nothing already stored is damaged."""

import base64

import requests

from harness import ACCESS_KEY


def meta(r):
    body = r.json()
    assert "meta" in body and isinstance(body["data"], dict)
    return r.status_code, body["meta"]["result_subcode"], body["meta"]["result_msg"]


def test_login_needs_the_right_credentials(server):
    r = requests.get(f"{server.api_url}/auth.login")
    assert meta(r)[:2] == (401, 20)
    bad = base64.b64encode(f"{ACCESS_KEY}:wrong".encode()).decode()
    r = requests.get(f"{server.api_url}/auth.login", headers={"Authorization": f"Basic {bad}"})
    code, sub, msg = meta(r)
    assert (code, sub) == (401, 22) and "secret" in msg
    r = requests.get(f"{server.api_url}/v2.23/tasks.get_all", headers={"Authorization": "Bearer nope"})
    assert meta(r)[:2] == (401, 30)


def test_token_refresh_with_bearer(api):
    r = requests.get(f"{api.base}/auth.login", headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 200 and r.json()["data"]["token"]


def test_unknown_endpoint_is_the_real_servers_404(api):
    code, sub, msg = meta(api.raw("workers.no_such_thing", {"worker": "vm:0"}, version=""))
    assert (code, sub) == (404, 0)
    assert msg == "Unable to find endpoint for name workers.no_such_thing and version 2.31"


def test_malformed_json_missing_fields_and_wrong_types(api):
    code, sub, msg = meta(api.raw("tasks.create", data=b'{"name": '))
    assert (code, sub) == (400, 12) and "malformed JSON" in msg
    code, sub, msg = meta(api.raw("tasks.create", {"type": "training"}))
    assert (code, sub) == (400, 11) and "name" in msg
    code, sub, msg = meta(api.raw("tasks.create", {"name": "a task", "type": "sleeping"}))
    assert (code, sub) == (400, 12) and "sleeping" in msg
    code, sub, _ = meta(api.raw("tasks.create", {"name": "a task", "project": "nope"}))
    assert (code, sub) == (400, 401)


def test_unknown_task_and_illegal_transition(api):
    code, sub, _ = meta(api.raw("tasks.get_by_id", {"task": "0" * 32}))
    assert (code, sub) == (400, 101)
    tid = api.call("tasks.create", {"name": "state machine"})["id"]
    code, sub, msg = meta(api.raw("tasks.completed", {"task": tid}))
    assert (code, sub) == (400, 110) and "created" in msg
    api.call("tasks.started", {"task": tid})
    # An unforced edit of a running task is refused and changes nothing.
    code, sub, _ = meta(api.raw("tasks.edit", {"task": tid, "name": "renamed"}))
    assert (code, sub) == (400, 110)
    assert api.call("tasks.get_by_id", {"task": tid})["task"]["name"] == "state machine"
    # An edit with one bad field changes nothing either.
    code, sub, _ = meta(api.raw("tasks.edit", {"task": tid, "force": True, "name": "renamed",
                                               "hyperparams": {"Args": 5}}))
    assert (code, sub) == (400, 12)
    assert api.call("tasks.get_by_id", {"task": tid})["task"]["name"] == "state machine"
    api.call("tasks.completed", {"task": tid})
    assert api.call("tasks.get_by_id", {"task": tid})["task"]["status"] == "completed"


def test_batch_with_a_broken_line_keeps_the_good_lines(api):
    tid = api.call("tasks.create", {"name": "batch task"})["id"]
    lines = [
        f'{{"type": "log", "task": "{tid}", "msg": "good one", "method": "get"}}',
        '{"type": "log", "task": ',
        f'{{"type": "training_stats_scalar", "task": "{tid}", "metric": "m", "variant": "v", "iter": 3, "value": 2.5}}',
    ]
    r = api.raw("events.add_batch", data="\n".join(lines).encode(),
                headers={"Content-Type": "application/json-lines"})
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["added"] == 2 and data["errors"] == 1
    assert "line 2" in data["errors_info"]
    log = api.call("events.get_task_log", {"task": tid, "navigate_earlier": False, "order": "asc"})
    assert [e["msg"] for e in log["events"]] == ["good one"]
    h = api.call("events.scalar_metrics_iter_histogram", {"task": tid})
    assert h["m"]["v"]["x"] == [3] and h["m"]["v"]["y"] == [2.5]
    # A batch with nothing usable is refused as a whole.
    r = api.raw("events.add_batch", data=b'{"type": "log", "task": "nope", "msg": "x"}',
                headers={"Content-Type": "application/json-lines"})
    code, sub, msg = meta(r)
    assert (code, sub) == (400, 131) and "no usable event" in msg


def test_fileserver_refuses_paths_outside_the_root(server, api):
    h = {"Authorization": f"Bearer {api.token}"}
    r = requests.post(f"{server.files_url}/", files={"/demo/a.txt": ("/demo/a.txt", b"hello")}, headers=h)
    assert r.status_code == 200 and r.json() == ["demo/a.txt"]
    r = requests.get(f"{server.files_url}/demo/a.txt", headers=h)
    assert r.status_code == 200 and r.content == b"hello"
    r = requests.get(f"{server.files_url}/demo/a.txt", headers={**h, "Range": "bytes=1-3"})
    assert r.status_code == 206 and r.content == b"ell"
    r = requests.post(f"{server.files_url}/", files={"/../escape.txt": ("/../escape.txt", b"x")}, headers=h)
    assert r.status_code == 400 and "storage root" in r.json()["error"]
    assert not (server.data_dir / "escape.txt").exists()
    r = requests.get(f"{server.files_url}/demo/a.txt")
    assert r.status_code == 401


def test_lifecycle_errors_leave_tasks_unchanged(api):
    tid = api.call("tasks.create", {"name": "error cases"})["id"]
    code, sub, _ = meta(api.raw("tasks.enqueue", {"task": tid, "queue": "no-such-queue"}))
    assert (code, sub) == (400, 701)
    assert api.call("tasks.get_by_id", {"task": tid})["task"]["status"] == "created"
    code, sub, _ = meta(api.raw("tasks.clone", {"task": "0" * 32}))
    assert (code, sub) == (400, 101)
    # As on ClearML's server, a link does not look the model up (it may be
    # registered later); deleting the link takes it away again.
    code, sub, _ = meta(api.raw("tasks.add_or_update_model", {"task": tid, "name": "m", "model": "nope",
                                                               "type": "output"}))
    assert (code, sub) == (200, 0)
    links = api.call("tasks.get_by_id", {"task": tid})["task"]["models"]["output"]
    assert [(l["name"], l["model"]) for l in links] == [("m", "nope")]
    api.call("tasks.delete_models", {"task": tid, "models": [{"name": "m", "type": "output"}]})
    assert api.call("tasks.get_by_id", {"task": tid})["task"]["models"]["output"] == []
    code, sub, _ = meta(api.raw("tasks.edit_hyper_params", {"task": tid}))
    assert (code, sub) == (400, 11)
    code, sub, _ = meta(api.raw("tasks.dequeue", {"task": tid}))
    assert (code, sub) == (400, 110)
    api.call("tasks.started", {"task": tid})
    api.call("tasks.completed", {"task": tid})
    api.call("tasks.publish", {"task": tid})
    code, sub, msg = meta(api.raw("tasks.reset", {"task": tid}))
    assert (code, sub) == (400, 110) and "published" in msg
    code, sub, _ = meta(api.raw("tasks.enqueue", {"task": tid}))
    assert (code, sub) == (400, 110)
    t = api.call("tasks.get_by_id", {"task": tid})["task"]
    assert t["status"] == "published" and t["execution"]["queue"] is None


def test_queue_by_name_gets_701_as_the_sdk_expects(api):
    code, sub, _ = meta(api.raw("queues.get_by_id", {"queue": "default"}))
    assert (code, sub) == (400, 701)
    q = api.call("queues.get_all", {"name": "^default$", "only_fields": ["id"]})["queues"]
    assert len(q) == 1 and q[0]["tags"] == []
    code, sub, _ = meta(api.raw("queues.create", {"name": "default"}))
    assert (code, sub) == (400, 801)


def test_oversized_batch_is_refused_in_the_envelope(api):
    tid = api.call("tasks.create", {"name": "big batch"})["id"]
    line = f'{{"type": "log", "task": "{tid}", "msg": "{"x" * 1000}"}}\n'.encode()
    body = line * (65 * 1024)  # about 65 MiB, over the 64 MiB limit
    r = api.raw("events.add_batch", data=body, headers={"Content-Type": "application/json-lines"})
    code, sub, msg = meta(r)
    assert code == 413 and "64 MiB" in msg
    assert api.call("events.get_task_log", {"task": tid})["total"] == 0
