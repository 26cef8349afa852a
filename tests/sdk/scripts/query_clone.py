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
single = found.get_reported_single_values()
scalars = found.get_reported_scalars()

clone = Task.clone(source_task=found, name="cloned task", parent=found.id)
clone.set_parameters({"General/alpha": 5, "General/beta": "three"})
default_clone = Task.clone(source_task=found)
Task.enqueue(clone, queue_name="default")
Task.enqueue(default_clone, queue_name="default")
Task.dequeue(default_clone)
print(json.dumps({"seed": found.id, "clone": clone.id, "default_clone": default_clone.id, "other": other.id,
                  "by_tag": by_tag, "by_all": by_all, "by_not": by_not, "by_name": by_name, "by_type": by_type,
                  "single": single, "scalars": scalars}), file=sys.stderr)
