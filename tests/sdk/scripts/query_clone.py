"""Querying, cloning and enqueueing with the real clearml SDK; prints ids as JSON."""
import json
import sys

from clearml import Task

seed = Task.init(project_name="wf/sub", task_name="seed task", tags=["seed", "keep"], reuse_last_task_id=False)
seed.connect({"alpha": 1, "beta": "two"})
seed.get_logger().report_single_value("best_acc", 0.93)
seed.get_logger().report_scalar("acc", "val", 0.8, iteration=1)
seed.close()

other = Task.init(project_name="wf/sub", task_name="other seed", tags=["seed"], reuse_last_task_id=False,
                  task_type=Task.TaskTypes.inference)
other.close()

found = Task.get_task(project_name="wf/sub", task_name="seed task")
by_tag = sorted(t.name for t in Task.get_tasks(project_name="wf/sub", tags=["seed"]))
by_all = sorted(t.name for t in Task.get_tasks(project_name="wf/sub", tags=["__$all", "seed", "keep"]))
by_not = sorted(t.name for t in Task.get_tasks(project_name="wf/sub", tags=["seed", "-keep"]))
by_name = sorted(t.name for t in Task.get_tasks(project_name="wf/sub", task_name="SEED"))
by_type = sorted(t.name for t in Task.get_tasks(project_name="wf/sub", task_filter={"type": ["inference"]}))
by_ids = sorted(t.name for t in Task.get_tasks(task_ids=[found.id, other.id]))
by_status = [t.name for t in Task.get_tasks(project_name="wf/sub", task_filter={
    "status": ["completed"], "order_by": ["-name"], "search_text": "seed"})]
by_not_op = sorted(t.name for t in Task.get_tasks(project_name="wf/sub", tags=["seed", "__$not", "keep"]))
single = found.get_reported_single_values()
scalars = found.get_reported_scalars()

clone = Task.clone(source_task=found, name="cloned task", parent=found.id)
clone.set_parameters({"General/alpha": 5, "General/beta": "three"})
default_clone = Task.clone(source_task=found)
Task.enqueue(clone, queue_name="default")
Task.enqueue(default_clone, queue_name="default")
Task.dequeue(default_clone)
elsewhere = Task.get_project_id("wf/elsewhere") or Task.create(project_name="wf/elsewhere", task_name="anchor").project
moved = Task.clone(source_task=found, name="moved clone", comment="moved here", project=elsewhere)
default_queue = Task.get_task(task_id=clone.id).data.execution.queue
Task.enqueue(moved, queue_id=default_queue)
print(json.dumps({"seed": found.id, "clone": clone.id, "default_clone": default_clone.id, "other": other.id,
                  "by_tag": by_tag, "by_all": by_all, "by_not": by_not, "by_name": by_name, "by_type": by_type, "by_ids": by_ids, "by_status": by_status, "by_not_op": by_not_op,
                  "moved": moved.id, "elsewhere": elsewhere,
                  "single": single, "scalars": scalars}), file=sys.stderr)
