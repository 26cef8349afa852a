"""Times SQLite migration 0009 (the scalar and event tables rebuilt without
their foreign key to tasks) on a populated database: migrations 0001-0008
applied with Python's sqlite3, N tasks x 10 series x 20 chunks of 100 points
and 20 plots each inserted, then 0009 run inside one transaction with
foreign keys on, as sqlx runs it. Checks that every row and key survived.

    python3 bench/migration_0009.py [tasks]   (default 1000: ~830 MB, 20M points)
"""
import glob
import os
import sqlite3
import sys
import tempfile
import time

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
n_tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
path = os.path.join(tempfile.mkdtemp(prefix="mig0009-"), "labbook.db")
db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA foreign_keys=ON")
for f in sorted(glob.glob(os.path.join(root, "migrations/sqlite/000[1-8]_*.sql"))):
    db.executescript(open(f).read())
required = [r[1] for r in db.execute("PRAGMA table_info(tasks)") if r[3] == 1 and r[4] is None and r[5] == 0]
blob = os.urandom(24 * 100)
for t in range(n_tasks):
    row = {c: (0 if c in ("created", "last_update", "last_change", "status_changed") else "x") for c in required}
    row["id"] = f"t{t}"
    db.execute(f"INSERT INTO tasks ({','.join(row)}) VALUES ({','.join('?' * len(row))})", list(row.values()))
    for s in range(10):
        sid = db.execute(
            "INSERT INTO scalar_series (task, metric, variant, count, sum_value, first_value, first_iter, last_value,"
            " last_iter, min_value, min_iter, max_value, max_iter) VALUES (?, ?, 'v', 1, 1, 1, 0, 1, 0, 1, 0, 1, 0)",
            (f"t{t}", f"m{s}"),
        ).lastrowid
        db.executemany("INSERT INTO scalar_chunks (series, points) VALUES (?, ?)", [(sid, blob)] * 20)
    db.executemany(
        "INSERT INTO task_events (task, type, timestamp, iter, metric, variant, body) VALUES (?, 'plot', 0, ?, 'm', 'v', '{}')",
        [(f"t{t}", i) for i in range(20)],
    )
db.commit()
counts = lambda: [db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("scalar_series", "scalar_chunks", "task_events")]
before = counts()
size_mb = os.path.getsize(path) / 1e6
start = time.time()
db.executescript("BEGIN;" + open(os.path.join(root, "migrations/sqlite/0009_model_events.sql")).read() + "COMMIT;")
took = time.time() - start
assert counts() == before, (counts(), before)
assert db.execute("PRAGMA foreign_key_check").fetchall() == []
print(f"{size_mb:.0f} MB, {before[1]} chunks ({before[1] * 100 / 1e6:.0f}M points), {before[0]} series, "
      f"{before[2]} events: migration 0009 took {took:.1f} s; every row and key kept")
os.remove(path)
