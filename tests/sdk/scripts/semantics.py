"""The ClearML workflows that depend on the server's exact semantics
(issue 13), through the real SDK; prints what it saw as JSON on stderr."""
import hashlib
import json
import sys

from clearml import Dataset, InputModel, OutputModel, Task

out = {}

# Datasets without a version: the SDK asks tasks.get_all for
# only_fields ["id", "runtime.version"] and reads `runtime` of the answer.
ds = Dataset.create(dataset_name="no version", dataset_project="sem/data")
out["dataset_id"] = ds.id
ds2 = Dataset.create(dataset_name="no version", dataset_project="sem/data")
out["dataset_versions"] = [ds.version, ds2.version]

# HPO: the top experiments, ordered by a metric's md5 keys.
scores = {}
for i, acc in enumerate([0.5, 0.9, 0.7]):
    t = Task.create(project_name="sem/hpo", task_name=f"trial {i}")
    t.mark_started(force=True)
    t.get_logger().report_scalar("val", "acc", acc, iteration=1)
    t.flush(wait_for_uploads=True)
    t.mark_completed()
    scores[t.id] = acc
title, series = (hashlib.md5(s.encode()).hexdigest() for s in ("val", "acc"))
top = Task.query_tasks(project_name="sem/hpo", task_filter={"order_by": [f"-last_metrics.{title}.{series}.value"]})
out["top"] = [scores[i] for i in top if i in scores]

# Children of a task, by the `parent` filter.
parent = Task.create(project_name="sem/tree", task_name="parent")
child = Task.create(project_name="sem/tree", task_name="child")
child.set_parent(parent)
Task.create(project_name="sem/tree", task_name="unrelated")
out["children"] = Task.query_tasks(task_filter={"parent": parent.id})
out["child_id"] = child.id

# import_model by URL finds the model registered at that URL, not another.
a = InputModel.import_model(weights_url="https://example.com/a.pt", name="model a", project="sem/models")
b = InputModel.import_model(weights_url="https://example.com/b.pt", name="model b", project="sem/models")
again = InputModel.import_model(weights_url="https://example.com/a.pt", name="model a", project="sem/models")
out["models"] = [a.id, b.id, again.id]

# Debug samples for the last N iterations, and single values.
run = Task.init(project_name="sem/samples", task_name="samples", reuse_last_task_id=False)
logger = run.get_logger()
for i in range(10):
    logger.report_media("img", "pic", iteration=i, url=f"https://example.com/pic_{i % 4}.png")
    logger.report_scalar("loss", "train", 1.0 / (i + 1), iteration=i)
logger.report_single_value("best", 0.97)
run.flush(wait_for_uploads=True)
samples = run.get_debug_samples("img", "pic", n_last_iterations=3)
out["samples"] = sorted(s["iter"] for s in samples)
out["scalar_titles"] = sorted(run.get_reported_scalars().keys())
out["single"] = run.get_reported_single_values()
out["samples_task"] = run.id
run.close()

# Output models are published with their task; a reset drops them.
model_task = Task.init(project_name="sem/publish", task_name="publisher", reuse_last_task_id=False)
om = OutputModel(task=model_task, name="weights", framework="PyTorch")
om.update_weights(weights_filename=None, register_uri="https://example.com/w.pt")
model_task.flush(wait_for_uploads=True)
model_task.mark_stopped(force=True)
model_task.publish()
out["published_model"] = om.id
out["publisher"] = model_task.id
model_task.close()
print(json.dumps(out), file=sys.stderr)
