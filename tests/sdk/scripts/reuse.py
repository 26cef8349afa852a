"""reuse_last_task_id: a rerun reuses (and resets) a development task."""
import json
import sys

from clearml import Task

mode = sys.argv[1]
if mode == "first":
    t = Task.init(project_name="reuse", task_name="reuse me")
    t.get_logger().report_scalar("m", "v", 1.0, iteration=5)
    t.connect({"x": 1})
    t.close()
elif mode == "again":
    t = Task.init(project_name="reuse", task_name="reuse me")
    t.close()
elif mode == "no_reuse":
    t = Task.init(project_name="reuse", task_name="reuse me", reuse_last_task_id=False)
    t.close()
elif mode == "continue":
    t = Task.init(project_name="reuse", task_name="reuse me", continue_last_task=True)
    t.get_logger().report_scalar("m", "v", 2.0, iteration=t.get_last_iteration() + 1)
    t.close()
print(json.dumps({"id": t.id}), file=sys.stderr)
