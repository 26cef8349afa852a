"""A kill never loses acknowledged data: after SIGKILL and a restart on the
same data, every acknowledged write is there."""

from harness import Api, Server, database_url_for_test


def test_acknowledged_writes_survive_sigkill(tmp_path):
    server = Server(data_dir=tmp_path / "data", database_url=database_url_for_test()).start()
    try:
        api = Api(server)
        pid = api.call("projects.create", {"name": "durable/project"})["id"]
        tid = api.call("tasks.create", {"name": "durable task", "project": pid})["id"]
        api.call("tasks.started", {"task": tid})
        api.call("tasks.edit", {"task": tid, "force": True,
                                "hyperparams": {"Args": {"lr": {"section": "Args", "name": "lr", "value": "0.3"}}}})
        lines = [f'{{"type": "training_stats_scalar", "task": "{tid}", "metric": "loss", "variant": "train", '
                 f'"iter": {i}, "value": {i * 0.5}, "timestamp": {1000 + i}}}' for i in range(1000)]
        lines.append(f'{{"type": "log", "task": "{tid}", "msg": "before the crash"}}')
        r = api.raw("events.add_batch", data="\n".join(lines).encode(),
                    headers={"Content-Type": "application/json-lines"})
        assert r.status_code == 200 and r.json()["data"]["added"] == 1001
        server.kill()

        server.start()
        api = Api(server)
        t = api.call("tasks.get_by_id", {"task": tid})["task"]
        assert t["status"] == "in_progress"
        assert t["hyperparams"]["Args"]["lr"]["value"] == "0.3"
        h = api.call("events.scalar_metrics_iter_histogram", {"task": tid})
        assert h["loss"]["train"]["x"] == list(range(1000))
        assert h["loss"]["train"]["y"][-1] == 999 * 0.5
        log = api.call("events.get_task_log", {"task": tid})
        assert [e["msg"] for e in log["events"]] == ["before the crash"]
    finally:
        server.stop()
