"""Creating and capturing: run with the real clearml SDK; prints a JSON summary."""
import json
import sys
import time

from clearml import Task

task = Task.init(project_name="capture/deep/nest", task_name="capture run", task_type=Task.TaskTypes.testing,
                 tags=["t1", "t2"], reuse_last_task_id=False,
                 auto_resource_monitoring={"first_report_sec": 1, "report_frequency_sec": 1,
                                           "sample_frequency_per_sec": 4})
assert Task.current_task().id == task.id
task.connect({"alpha": 1, "nested": {"a": 2}})
task.connect({"depth": 3, "width": 4.5}, name="model")
cfg = task.connect_configuration({"layers": 5, "act": "relu"}, name="net")
with open("extra.yaml", "w") as f:
    f.write("lr: 0.1\nbatch: 32\n")
task.connect_configuration("extra.yaml", name="file_cfg")
task.set_progress(42)
progress = task.get_progress()
task.set_comment("a comment")
task.add_tags(["t3"])
task.set_user_properties(owner="probe", stage={"value": "dev", "description": "stage of work"})
props = task.get_user_properties()
task.set_parameter("General/extra", "x", description="set one")
params = task.get_parameters()
task.set_configuration_object("obj", config_dict={"k": "v"})
task.get_logger().report_scalar("m", "v", 1.0, iteration=3)
print("hello from capture")
time.sleep(4)  # let the resource monitor report machine metrics
task.close()

second = Task.init(project_name="capture/deep/nest", task_name="second run", reuse_last_task_id=False)
second_id = second.id
second.close()
print(json.dumps({"id": task.id, "second": second_id, "progress": progress, "props": props,
                  "params": params}), file=sys.stderr)
