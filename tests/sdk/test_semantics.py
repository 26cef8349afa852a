"""ClearML's exact semantics where the SDK depends on them (issue 13): the
workflows of `scripts/semantics.py` through the real SDK, then the server's
answers checked through the API."""

import pytest

from harness import run_script


@pytest.fixture(scope="module")
def sem(server, tmp_path_factory):
    return run_script(server, tmp_path_factory.mktemp("semantics"), "semantics.py")


def test_datasets_without_a_version_get_one(sem, api):
    # The SDK crashed on `runtime` missing from an only_fields answer.
    assert sem["dataset_versions"][0] and sem["dataset_versions"][1]
    assert sem["dataset_versions"][0] != sem["dataset_versions"][1]
    t = api.call("tasks.get_all", {"id": [sem["dataset_id"]], "only_fields": ["id", "runtime.version"]})["tasks"][0]
    assert isinstance(t["runtime"], dict)


def test_dataset_projects_are_hidden(sem, api):
    names = {p["name"] for p in api.call("projects.get_all", {})["projects"]}
    assert not any(".datasets" in n for n in names), names
    hidden = api.call("projects.get_all", {"search_hidden": True, "name": r"\.datasets"})["projects"]
    assert hidden and all("hidden" in p["system_tags"] for p in hidden)


def test_top_experiments_order_by_a_metric(sem):
    assert sem["top"] == [0.9, 0.7, 0.5]


def test_parent_filter_returns_only_the_children(sem, api):
    assert sem["children"] == [sem["child_id"]]
    got = api.call("tasks.get_all", {"parent": sem["child_id"]})["tasks"]
    assert got == []


def test_unknown_filters_are_refused_by_name(api):
    meta = api.raw("tasks.get_all", {"parnet": "x"}).json()["meta"]
    assert (meta["result_code"], meta["result_subcode"]) == (400, 12)
    assert "parnet" in meta["result_msg"]


def test_import_model_by_url_finds_that_model(sem, api):
    a, b, again = sem["models"]
    assert a != b and again == a
    uris = {m["id"]: m["uri"] for m in api.call("models.get_all", {"uri": ["https://example.com/a.pt"]})["models"]}
    assert uris == {a: "https://example.com/a.pt"}


def test_debug_samples_for_the_last_iterations_end(sem, api):
    assert sem["samples"] == [7, 8, 9]
    # One image per URL: the 4 URLs were reused, only the newest use of each stays.
    task = sem["samples_task"]
    pages, scroll = [], None
    while True:
        body = {"metrics": [{"task": task, "metric": "img"}], "iters": 2}
        if scroll:
            body["scroll_id"] = scroll
        res = api.call("events.debug_images", body)
        its = res["metrics"][0]["iterations"]
        if not its:
            break
        pages.append([i["iter"] for i in its])
        scroll = res["scroll_id"]
        assert len(pages) < 10, "the scroll never ends"
    assert pages == [[9, 8], [7, 6]]


def test_single_values_stay_out_of_scalar_histories(sem, api):
    assert "best" not in sem["scalar_titles"]
    assert sem["single"]["best"] == 0.97 or sem["single"].get("best", {}).get("value") == 0.97
    task = sem["samples_task"]
    hist = api.call("events.scalar_metrics_iter_histogram", {"task": task})
    assert "best" not in hist and hist["loss"]["train"]["x"] == list(range(10))


def test_publishing_a_task_publishes_its_output_models(sem, api):
    m = api.call("models.get_by_id", {"model": sem["published_model"]})["model"]
    assert m["ready"] is True
    t = api.call("tasks.get_by_id", {"task": sem["publisher"]})["task"]
    assert t["status"] == "published"


def test_reset_and_delete_take_draft_output_models_along(api):
    task = api.call("tasks.create", {"name": "model owner", "type": "training"})["id"]
    api.call("tasks.started", {"task": task})
    model = api.call("models.update_for_task", {"task": task, "uri": "file:///w.bin", "iteration": 12})["id"]
    assert api.call("tasks.get_by_id", {"task": task})["task"]["last_iteration"] == 12
    out = api.call("tasks.reset", {"task": task, "force": True, "return_file_urls": True})
    assert out["deleted_models"] == 1 and out["urls"]["model_urls"] == ["file:///w.bin"]
    assert api.raw("models.get_by_id", {"model": model}).json()["meta"]["result_subcode"] == 201
    assert api.call("tasks.get_by_id", {"task": task})["task"]["models"]["output"] == []
    # Deleting a model unlinks it from its (unpublished) task.
    api.call("tasks.started", {"task": task})
    model = api.call("models.update_for_task", {"task": task, "uri": "file:///x.bin"})["id"]
    api.call("models.delete", {"model": model})
    assert api.call("tasks.get_by_id", {"task": task})["task"]["models"]["output"] == []


def test_enqueue_drops_the_development_tag_and_stop_hands_over(api):
    task = api.call("tasks.create", {"name": "remote run", "type": "training", "system_tags": ["development"]})["id"]
    api.call("tasks.enqueue", {"task": task})
    assert "development" not in api.call("tasks.get_by_id", {"task": task})["task"]["system_tags"]
    api.call("tasks.dequeue", {"task": task})
    api.call("tasks.started", {"task": task, "force": True})
    api.call("workers.register", {"worker": "sem:0"})
    api.call("workers.status_report", {"worker": "sem:0", "task": task, "timestamp": 0})
    fields = api.call("tasks.stop", {"task": task})["fields"]
    assert fields["status"] == "in_progress" and fields["status_message"] == "stopping"


def test_agent_runtime_properties(api):
    assert api.call("workers.get_runtime_properties", {"worker": "nobody:0"})["runtime_properties"] == []
    api.call("workers.set_runtime_properties", {"worker": "sem:1", "runtime_properties": [{"key": "k", "value": "1"}]})
    props = api.call("workers.get_runtime_properties", {"worker": "sem:1"})["runtime_properties"]
    assert props == [{"key": "k", "value": "1"}]


def test_newer_api_versions_get_our_newest_endpoints(api):
    out = api.raw("tasks.get_all", {"only_fields": ["id"], "page_size": 1}, version="v9.99")
    assert out.status_code == 200 and out.json()["meta"]["result_code"] == 200

