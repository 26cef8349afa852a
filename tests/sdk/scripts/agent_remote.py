"""execute_remotely and create_function_task, for the agents to run: the
main task goes on remotely after execute_remotely, and the function task
calls the function with its stored arguments."""
import json
import sys

from clearml import Task


def remote_func(x, y):
    print(f"remote_func called with x={x} y={y}", flush=True)
    return x


main = Task.init(project_name="agents", task_name="remote main", reuse_last_task_id=False)
params = main.connect({"lr": 0.1})
# Run as the function task, this calls remote_func and exits.
func = main.create_function_task(remote_func, func_name="remote_func", task_name="func task", x=3, y="b")
if main.running_locally():
    print(json.dumps({"main": main.id, "func": func.id}), file=sys.stderr)
main.execute_remotely(queue_name="default", exit_process=True)
print(f"main goes on remotely with lr={params['lr']}", flush=True)
