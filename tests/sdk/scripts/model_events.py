"""A model's own metrics, through the real SDK (`OutputModel.report_scalar`
and `report_single_value`, sent as model events); prints what it saw as
JSON on stderr."""
import json
import sys

from clearml import OutputModel, Task

task = Task.init(project_name="sem/model events", task_name="trainer", reuse_last_task_id=False)
model = OutputModel(task=task, name="scored", framework="PyTorch")
model.update_weights(weights_filename=None, register_uri="https://example.com/scored.pt")
for step, loss in enumerate([0.9, 0.5, 0.2]):
    model.report_scalar("loss", "train", loss, iteration=step)
model.report_single_value("accuracy", 0.93)
model._reporter.flush()
model._reporter.wait_for_events()
task.flush(wait_for_uploads=True)
out = {"model": model.id, "task": task.id}
task.close()
print(json.dumps(out), file=sys.stderr)
