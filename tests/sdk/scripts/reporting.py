"""The Logger: every report kind, then read back through the SDK."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from clearml import Task  # noqa: E402

task = Task.init(project_name="report", task_name="report run", reuse_last_task_id=False)
log = task.get_logger()
for i in range(5):
    log.report_scalar("loss", "train", value=1.0 / (i + 1), iteration=i)
    log.report_scalar("loss", "val", value=2.0 / (i + 1), iteration=i)
log.report_single_value("final_acc", 0.97)
log.report_scatter2d("scatter", "series A", scatter=[[0, 1], [1, 2], [2, 1.5]], iteration=0)
log.report_scatter3d("scatter3d", "s3", scatter=[[0, 1, 2], [1, 2, 3]], iteration=0)
log.report_histogram("hist", "h", values=[1, 2, 3, 2], iteration=0)
log.report_table("table", "t", iteration=0, table_plot=[["a", "b"], [1, 2]])
log.report_confusion_matrix("confusion", "c", matrix=np.eye(2), iteration=0)
log.report_line_plot("lines", [{"name": "l1", "data": np.array([[0, 1], [1, 2]])}], iteration=0, xaxis="x", yaxis="y")
log.report_plotly("plotly", "p", figure={"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}], "layout": {}},
                  iteration=0)
fig = plt.figure()
plt.plot([1, 2, 3], [3, 1, 2])
log.report_matplotlib_figure("mpl", "fig", figure=fig, iteration=0)
log.report_image("image", "img", iteration=0, image=np.zeros((8, 8, 3), dtype=np.uint8))
with open("clip.html", "w") as f:
    f.write("<p>hello</p>")
log.report_media("media", "html", iteration=0, local_path="clip.html")
log.report_text("a text line")
print("to stdout")
print("to stderr", file=sys.stderr)
task.close()

again = Task.get_task(task_id=task.id)
scalars = again.get_reported_scalars()
console = again.get_reported_console_output(number_of_reports=50)
last = again.get_last_scalar_metrics()
print(json.dumps({"id": task.id, "scalars": scalars, "single": again.get_reported_single_values(),
                  "console": console, "last": last}), file=sys.stderr)
