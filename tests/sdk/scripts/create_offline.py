"""Task.create of a draft, and an offline session imported later."""
import json
import sys

from clearml import Task

draft = Task.create(project_name="made", task_name="made draft", repo="https://example.com/r.git", branch="dev",
                    script="train.py", working_directory="src", docker="python:3.11",
                    docker_args="--ipc=host", docker_bash_setup_script="echo setup", add_task_init_call=False)
Task.set_offline(True)
off = Task.init(project_name="offline", task_name="offline run")
off.get_logger().report_scalar("m", "v", 3.0, iteration=1)
print("offline line")
session = off.get_offline_mode_folder()
off.close()
Task.set_offline(False)
zip_path = str(session) + ".zip"
imported = Task.import_offline_session(zip_path)
print(json.dumps({"draft": draft.id, "imported": imported}), file=sys.stderr)
