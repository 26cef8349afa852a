"""Artifacts and models with the real clearml SDK (uploads to the fileserver)."""
import json
import os
import sys

import joblib
import numpy as np
import pandas as pd
from clearml import InputModel, Model, OutputModel, Task
from sklearn.linear_model import LinearRegression

task = Task.init(project_name="art", task_name="artifact task", output_uri=True, reuse_last_task_id=False)
task.upload_artifact("dict_artifact", artifact_object={"a": 1, "b": [1, 2, 3]}, wait_on_upload=True)
with open("notes.txt", "w") as f:
    f.write("artifact file content\n")
task.upload_artifact("file_artifact", artifact_object="notes.txt", wait_on_upload=True)
os.makedirs("folder/sub", exist_ok=True)
for n in ["x.txt", "sub/y.txt"]:
    with open(os.path.join("folder", n), "w") as f:
        f.write(n)
task.upload_artifact("folder_artifact", artifact_object="folder", wait_on_upload=True)
task.upload_artifact("numpy_artifact", artifact_object=np.arange(12).reshape(3, 4), wait_on_upload=True)
task.upload_artifact("pandas_artifact", artifact_object=pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}),
                     wait_on_upload=True)
with open("weights.bin", "wb") as f:
    f.write(b"\x00\x01weights" * 100)
# A framework's save call: the SDK registers the file as an output model itself.
joblib.dump(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), "auto_model.pkl")
out = OutputModel(task=task, name="art model", framework="custom", tags=["m1"])
out.update_weights(weights_filename="weights.bin", iteration=7)
model_id = out.id
task.close()

again = Task.get_task(task_id=task.id)
got = {
    "dict": again.artifacts["dict_artifact"].get(),
    "file": open(again.artifacts["file_artifact"].get_local_copy()).read(),
    "numpy": again.artifacts["numpy_artifact"].get().tolist(),
    "pandas": again.artifacts["pandas_artifact"].get().to_dict(orient="list"),
    "folder": sorted(os.listdir(again.artifacts["folder_artifact"].get_local_copy())),
}
found = Model.query_models(project_name="art", model_name="art model")
local = InputModel(model_id=model_id).get_local_copy()
got["model_bytes"] = len(open(local, "rb").read())
got["queried"] = [m.id for m in found]
print(json.dumps({"task": task.id, "model": model_id, "got": got}), file=sys.stderr)
