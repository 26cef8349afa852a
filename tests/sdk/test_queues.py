"""Queue dispatch and the worker registry, as clearml-agent uses them
(clearml-api.md §6.1): each enqueued task goes to exactly one caller of
`queues.get_next_task`, in queue order; workers register, report and leave."""

import threading
import time
import uuid

from harness import Api, Server, database_url_for_test
from test_api_errors import meta


def default_queue(api):
    return api.call("queues.get_default", {})["id"]


def enqueue(api, queue, n, label):
    ids = []
    for i in range(n):
        tid = api.call("tasks.create", {"name": f"{label} {i}"})["id"]
        api.call("tasks.enqueue", {"task": tid, "queue": queue})
        ids.append(tid)
    return ids


def test_next_task_in_order_then_empty(api):
    q = api.call("queues.create", {"name": f"order-{uuid.uuid4().hex[:6]}"})["id"]
    ids = enqueue(api, q, 3, "ordered")
    got = [api.call("queues.get_next_task", {"queue": q})["entry"]["task"] for _ in ids]
    assert got == ids
    assert api.call("queues.get_next_task", {"queue": q}) == {}
    # Handed out, not run yet: still queued until the agent starts it.
    assert api.call("tasks.get_by_id", {"task": ids[0]})["task"]["status"] == "queued"
    assert meta(api.raw("queues.get_next_task", {"queue": "0" * 32}))[:2] == (400, 701)


def test_each_task_goes_to_exactly_one_of_many_concurrent_workers(api):
    q = api.call("queues.create", {"name": f"race-{uuid.uuid4().hex[:6]}"})["id"]
    ids = enqueue(api, q, 120, "race")
    taken = []
    lock = threading.Lock()

    def worker():
        while True:
            entry = api.call("queues.get_next_task", {"queue": q}).get("entry")
            if entry is None:
                return
            with lock:
                taken.append(entry["task"])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == len(ids), "a task was handed out twice or not at all"
    assert sorted(taken) == sorted(ids)


def test_workers_register_report_and_leave(api):
    q = default_queue(api)
    name = f"host-{uuid.uuid4().hex[:6]}:0"
    api.call("workers.register", {"worker": name, "queues": [q]})

    def listed():
        return {w["id"]: w for w in api.call("workers.get_all", {})["workers"]}

    w = listed()[name]
    assert [x["name"] for x in w["queues"]] == ["default"] and w["task"] is None
    tid = api.call("tasks.create", {"name": "on a worker"})["id"]
    api.call("workers.status_report", {"worker": name, "timestamp": 1, "task": tid, "queue": q, "queues": [q],
                                       "machine_stats": {"cpu_usage": [12.5], "memory_used": 512}})
    w = listed()[name]
    assert w["task"]["id"] == tid and w["task"]["name"] == "on a worker"
    assert w["machine_stats"]["memory_used"] == 512
    api.call("workers.status_report", {"worker": name, "timestamp": 2, "machine_stats": {}})
    assert listed()[name]["task"] is None
    api.call("workers.unregister", {"worker": name, "queues": []})
    assert name not in listed()
    assert meta(api.raw("workers.register", {"worker": "  "}))[:2] == (400, 12)


def test_a_worker_that_stops_reporting_is_gone_and_its_task_failed(tmp_path, monkeypatch):
    monkeypatch.setenv("LABBOOK_WORKER_TIMEOUT", "2")
    server = Server(data_dir=tmp_path / "data", database_url=database_url_for_test()).start()
    try:
        api = Api(server)
        q = default_queue(api)
        lost, alive = enqueue(api, q, 2, "held")
        for worker, task in [("lost:0", lost), ("alive:0", alive)]:
            assert api.call("queues.get_next_task", {"queue": q})["entry"]["task"] == task
            api.call("workers.register", {"worker": worker, "queues": [q]})
            api.call("tasks.started", {"task": task, "force": True})
            api.call("workers.status_report", {"worker": worker, "timestamp": 1, "task": task, "queue": q})
        # Only "alive" keeps reporting.
        deadline = time.time() + 20
        while time.time() < deadline:
            api.call("workers.status_report", {"worker": "alive:0", "timestamp": 2, "task": alive, "queue": q})
            if api.call("tasks.get_by_id", {"task": lost})["task"]["status"] == "failed":
                break
            time.sleep(0.5)
        t = api.call("tasks.get_by_id", {"task": lost})["task"]
        assert t["status"] == "failed", "the lost worker's task is still marked running"
        assert "lost:0 stopped reporting" in t["status_reason"]
        assert api.call("tasks.get_by_id", {"task": alive})["task"]["status"] == "in_progress"
        workers = [w["id"] for w in api.call("workers.get_all", {})["workers"]]
        assert "alive:0" in workers and "lost:0" not in workers
    finally:
        server.stop()


def entries(api, q):
    return [e["task"] for e in api.call("queues.get_by_id", {"queue": q})["queue"]["entries"]]


def test_queue_rename_reorder_move_remove_and_delete(api):
    q = api.call("queues.create", {"name": f"manage-{uuid.uuid4().hex[:6]}"})["id"]
    a, b, c, d = enqueue(api, q, 4, "managed")
    # Rename, and a taken or too short name is refused.
    new_name = f"renamed-{uuid.uuid4().hex[:6]}"
    assert api.call("queues.update", {"queue": q, "name": new_name})["updated"] == 1
    assert api.call("queues.get_by_id", {"queue": q})["queue"]["name"] == new_name
    assert meta(api.raw("queues.update", {"queue": q, "name": "default"}))[:2] == (400, 801)
    assert meta(api.raw("queues.update", {"queue": q, "name": "ab"}))[:2] == (400, 12)

    # Reorder.
    assert api.call("queues.move_task_to_front", {"queue": q, "task": c})["position"] == 0
    assert entries(api, q) == [c, a, b, d]
    assert api.call("queues.move_task_to_back", {"queue": q, "task": a})["position"] == 3
    assert entries(api, q) == [c, b, d, a]
    assert api.call("queues.move_task_forward", {"queue": q, "task": d, "count": 5})["position"] == 0
    assert entries(api, q) == [d, c, b, a]
    assert api.call("queues.move_task_backward", {"queue": q, "task": d})["position"] == 1
    assert entries(api, q) == [c, d, b, a]
    assert meta(api.raw("queues.move_task_forward", {"queue": q, "task": d, "count": 0}))[:2] == (400, 12)
    outsider = api.call("tasks.create", {"name": "not queued"})["id"]
    assert meta(api.raw("queues.move_task_to_front", {"queue": q, "task": outsider}))[:2] == (400, 703)
    # The next task handed out follows the new order.
    assert api.call("queues.get_next_task", {"queue": q})["entry"]["task"] == c

    # Move to another queue: enqueue there.
    other = api.call("queues.create", {"name": f"other-{uuid.uuid4().hex[:6]}"})["id"]
    api.call("tasks.enqueue", {"task": b, "queue": other})
    assert entries(api, q) == [d, a] and entries(api, other) == [b]
    assert api.call("tasks.get_by_id", {"task": b})["task"]["execution"]["queue"] == other

    # Remove: out of the queue, back to draft.
    assert api.call("queues.remove_task", {"queue": q, "task": d, "update_task_status": True})["removed"] == 1
    assert entries(api, q) == [a]
    assert api.call("tasks.get_by_id", {"task": d})["task"]["status"] == "created"

    # Metrics: one pending task that has waited a little.
    m = {x["queue"]: x for x in api.call("queues.get_queue_metrics", {"queue_ids": [q]})["queues"]}
    assert m[q]["queue_lengths"] == [1] and m[q]["avg_waiting_times"][0] >= 0

    # Delete: refused while a task waits, forced sends it back to draft.
    assert meta(api.raw("queues.delete", {"queue": q}))[:2] == (400, 702)
    assert api.call("queues.delete", {"queue": q, "force": True})["deleted"] == 1
    assert meta(api.raw("queues.get_by_id", {"queue": q}))[:2] == (400, 701)
    assert api.call("tasks.get_by_id", {"task": a})["task"]["status"] == "created"
    assert meta(api.raw("queues.delete", {"queue": default_queue(api)}))[:2] == (400, 12)
