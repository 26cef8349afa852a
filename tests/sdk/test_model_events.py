"""Models report metrics of their own (issue 13): `OutputModel.report_scalar`
sends model events; the server keeps them on the model, not on a task."""

from harness import run_script


def test_a_models_scalars_are_its_own(server, api, tmp_path):
    seen = run_script(server, tmp_path, "model_events.py")
    m = seen["model"]
    hist = api.call("events.scalar_metrics_iter_histogram", {"task": m, "model_events": True})
    assert hist["loss"]["train"]["x"] == [0, 1, 2]
    assert hist["loss"]["train"]["y"] == [0.9, 0.5, 0.2]
    assert "Summary" not in hist, "a single value is not a history"
    got = api.call("models.get_all_ex", {"id": [m], "only_fields": ["last_metrics", "last_iteration"]})["models"][0]
    assert got["last_iteration"] == 2
    values = {(s["metric"], s["variant"]): s["value"] for v in got["last_metrics"].values() for s in v.values()}
    assert values[("loss", "train")] == 0.2 and values[("Summary", "accuracy")] == 0.93
    # The task that trained it has none of them.
    task_hist = api.call("events.scalar_metrics_iter_histogram", {"task": seen["task"]})
    assert "loss" not in task_hist
