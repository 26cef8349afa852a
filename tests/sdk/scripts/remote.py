"""execute_remotely and create_function_task leave the right tasks queued."""
import json
import sys

from clearml import Task


def remote_func(x, y):
    return x, y


main = Task.init(project_name="remote", task_name="remote main", reuse_last_task_id=False)
main.connect({"lr": 0.1})
func_task = main.create_function_task(remote_func, func_name="remote_func", task_name="func task", x=3, y="b")
print(json.dumps({"main": main.id, "func": func_task.id}), file=sys.stderr)
main.execute_remotely(queue_name="default", exit_process=True)
