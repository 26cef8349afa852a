"""Agent figures (issue 5): enqueue-to-start latency with a warm environment
cache, the throughput of 1,000 small tasks on 4 `labbook agent` processes, and
the agent's RSS while idle and while running a task.

    LABBOOK_BIN=<release labbook> .venv/bin/python bench/agent.py [--db postgres://…] [--tasks 1000] [--samples 50]

It starts its own `labbook serve` (SQLite by default) on free ports. The
agents build real virtual environments (no --reuse-python): the first task
builds the one for the tasks' (empty) requirements, every later task reuses
it. Each task's script writes the time it started, so the latency is from
just before `tasks.enqueue` to the task's Python process running its first
line.
"""

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sdk"))
from harness import Api, Server, fresh_database, labbook_bin  # noqa: E402

SCRIPT = """import os, time
with open(os.environ["BENCH_STARTS"], "a") as f:
    f.write(f"{os.environ['CLEARML_TASK_ID']} {time.time()}\\n")
if os.environ.get("BENCH_SLOW"):
    time.sleep(float(os.environ["BENCH_SLOW"]))
"""


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def agent(server: Server, base: Path, name: str, queue: str, env: dict) -> subprocess.Popen:
    e = server.client_env(base / "home")
    e.update(env)
    return subprocess.Popen([str(labbook_bin()), "agent", "--name", name, "--queue", queue, "--python", sys.executable,
                             "--work-dir", str(base / "agent")], env=e, stdout=open(base / f"{name}.log", "ab"),
                            stderr=subprocess.STDOUT)


def make_tasks(api: Api, queue: str, n: int, label: str, enqueue: bool = True) -> list[str]:
    template = api.call("tasks.create", {"name": f"{label} template"})["id"]
    api.call("tasks.edit", {"task": template, "script": {"entry_point": "bench.py", "diff": SCRIPT, "working_dir": "."}})
    ids = []
    for i in range(n):
        tid = api.call("tasks.clone", {"task": template, "new_task_name": f"{label} {i}"})["id"]
        if enqueue:
            api.call("tasks.enqueue", {"task": tid, "queue_name": queue})
        ids.append(tid)
    return ids


def wait_done(api: Api, ids: list[str], timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not api.call("tasks.get_all", {"id": ids, "status": ["queued", "in_progress", "created"], "page_size": 1,
                                          "only_fields": ["id"]})["tasks"]:
            return
        time.sleep(0.2)
    raise SystemExit("tasks did not finish in time")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", help="PostgreSQL admin URL (a fresh database is made); default SQLite")
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=50)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="labbook-agent-bench-"))
    server = Server(data_dir=base / "data", database_url=fresh_database(args.db) if args.db else None).start()
    starts = base / "starts.txt"
    env = {"BENCH_STARTS": str(starts)}
    try:
        api = Api(server)
        engine = "PostgreSQL" if args.db else "SQLite"

        # 1. Latency, one agent, one task at a time; the first builds the environment.
        lat_q = "bench-latency"
        api.call("queues.create", {"name": lat_q})
        one = agent(server, base, "lat", lat_q, env)
        time.sleep(2)
        idle_rss = rss_kb(one.pid)
        warm = make_tasks(api, lat_q, 1, "warm-up")
        wait_done(api, warm, 300)
        ids = make_tasks(api, lat_q, args.samples, "latency", enqueue=False)
        enqueued = {}
        rng = random.Random(5)
        for tid in ids:
            # Enqueue at a random point of the agent's poll cycle.
            time.sleep(rng.uniform(0, 1))
            enqueued[tid] = time.time()
            api.call("tasks.enqueue", {"task": tid, "queue_name": lat_q})
            wait_done(api, [tid], 60)
        started = dict(line.split() for line in starts.read_text().splitlines())
        lat = [float(started[t]) - enqueued[t] for t in ids]

        # 2. RSS while running a task (sampled during a 3 s task).
        slow = make_tasks(api, lat_q, 1, "slow", enqueue=False)
        one.terminate()
        one.wait(30)
        one = agent(server, base, "lat", lat_q, {**env, "BENCH_SLOW": "3"})
        time.sleep(1.5)
        api.call("tasks.enqueue", {"task": slow[0], "queue_name": lat_q})
        running_rss = 0
        deadline = time.time() + 30
        while time.time() < deadline:
            running_rss = max(running_rss, rss_kb(one.pid))
            if api.call("tasks.get_by_id", {"task": slow[0]})["task"]["status"] == "completed":
                break
            time.sleep(0.1)
        one.terminate()
        one.wait(30)

        # 3. Throughput: --tasks enqueued first, then 4 agent processes drain the queue.
        tp_q = "bench-throughput"
        api.call("queues.create", {"name": tp_q})
        ids = make_tasks(api, tp_q, args.tasks, "throughput")
        t0 = time.time()
        agents = [agent(server, base, f"tp{i}", tp_q, env) for i in range(4)]
        wait_done(api, ids, 1800)
        took = time.time() - t0
        for a in agents:
            a.terminate()
        for a in agents:
            a.wait(30)
        runs = [line.split()[0] for line in starts.read_text().splitlines()]
        once = all(runs.count(t) == 1 for t in ids)
        print(f"engine: {engine}")
        print(f"enqueue -> process start, warm environment ({args.samples} tasks, one agent, "
              f"--poll-interval 1): p50 {statistics.median(lat) * 1000:.0f} ms, p99 {pct(lat, 99) * 1000:.0f} ms, "
              f"min {min(lat) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms")
        print(f"throughput: {args.tasks} tasks on 4 agents in {took:.1f} s = {args.tasks / took:.1f} tasks/s; "
              f"each ran exactly once: {once}")
        print(f"agent RSS: idle {idle_rss / 1024:.1f} MB, running a task {running_rss / 1024:.1f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
