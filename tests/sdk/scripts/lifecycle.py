"""Reset, stop, fail, publish, archive and delete with the real clearml SDK."""
import json
import sys

from clearml import Task

ids = {}
for name in ["to reset", "to stop", "to fail", "to publish", "to archive", "to delete"]:
    t = Task.create(project_name="life", task_name=name)
    ids[name] = t.id

Task.get_task(ids["to reset"]).mark_started()
Task.get_task(ids["to reset"]).mark_completed()
Task.get_task(ids["to reset"]).reset()

Task.get_task(ids["to stop"]).mark_started()
Task.get_task(ids["to stop"]).mark_stopped()

Task.get_task(ids["to fail"]).mark_started()
Task.get_task(ids["to fail"]).mark_failed(status_reason="boom")

Task.get_task(ids["to publish"]).mark_started()
Task.get_task(ids["to publish"]).mark_completed()
Task.get_task(ids["to publish"]).publish()

Task.get_task(ids["to archive"]).set_archived(True)
Task.get_task(ids["to delete"]).delete()
print(json.dumps(ids), file=sys.stderr)
