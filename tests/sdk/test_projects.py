"""Project management through the API: rename, move and delete (refused
while the project holds tasks unless the caller says what happens to them),
and the archived/hidden filters the table relies on."""

import uuid

from test_api_errors import meta


def names(api):
    return {p["name"]: p for p in api.call("projects.get_all", {"search_hidden": True})["projects"]}


def test_rename_and_move_carry_subprojects_and_tasks(api):
    root = f"crud{uuid.uuid4().hex[:6]}"
    sub = api.call("projects.create", {"name": f"{root}/team/exp"})["id"]
    team = names(api)[f"{root}/team"]["id"]
    tid = api.call("tasks.create", {"name": "inside", "project": sub})["id"]

    api.call("projects.update", {"project": team, "name": f"{root}/squad"})
    got = names(api)
    assert f"{root}/squad/exp" in got and f"{root}/team" not in got
    assert got[f"{root}/squad/exp"]["id"] == sub and got[f"{root}/squad"]["id"] == team
    assert got[f"{root}/squad"]["basename"] == "squad"

    # A rename may not change the parent; a move may, creating the new parent.
    code, sub_code, msg = meta(api.raw("projects.update", {"project": team, "name": f"{root}/x/squad"}))
    assert (code, sub_code) == (400, 408) and "projects.move" in msg
    api.call("projects.move", {"project": team, "new_location": f"{root}/archive"})
    got = names(api)
    assert got[f"{root}/archive/squad/exp"]["id"] == sub
    assert got[f"{root}/archive/squad"]["parent"] == got[f"{root}/archive"]["id"]
    task = api.call("tasks.get_by_id", {"task": tid})["task"]
    assert task["project"] == sub

    # Into itself, or onto a taken name: refused, nothing changes.
    code, _, msg = meta(api.raw("projects.move", {"project": team, "new_location": f"{root}/archive/squad/exp"}))
    assert code == 400 and "into itself" in msg
    api.call("projects.create", {"name": f"{root}/other/squad"})
    code, _, msg = meta(api.raw("projects.move", {"project": team, "new_location": f"{root}/other"}))
    assert code == 400 and "already exists" in msg
    assert names(api)[f"{root}/archive/squad/exp"]["id"] == sub


def test_delete_refuses_a_non_empty_project_unless_told(api):
    root = f"del{uuid.uuid4().hex[:6]}"
    pid = api.call("projects.create", {"name": f"{root}/full/deep"})["id"]
    full = names(api)[f"{root}/full"]["id"]
    keep = api.call("tasks.create", {"name": "keep me", "project": pid})["id"]
    code, sub_code, msg = meta(api.raw("projects.delete", {"project": full}))
    assert (code, sub_code) == (400, 402) and "1 tasks" in msg
    assert f"{root}/full/deep" in names(api)

    # Moving the contents out, then deleting the whole subtree.
    out = api.call("projects.delete", {"project": full, "force": True, "move_to": f"{root}/rescued"})
    assert out["deleted"] == 2 and out["disassociated_tasks"] == 1
    got = names(api)
    assert f"{root}/full" not in got and f"{root}/full/deep" not in got
    assert api.call("tasks.get_by_id", {"task": keep})["task"]["project"] == got[f"{root}/rescued"]["id"]

    # Deleting the contents with the project.
    doomed = api.call("projects.create", {"name": f"{root}/doomed"})["id"]
    gone = api.call("tasks.create", {"name": "goes too", "project": doomed})["id"]
    out = api.call("projects.delete", {"project": doomed, "force": True, "delete_contents": True})
    assert out["deleted"] == 1 and out["deleted_tasks"] == 1
    assert meta(api.raw("tasks.get_by_id", {"task": gone}))[:2] == (400, 101)
    assert meta(api.raw("projects.delete", {"project": doomed}))[:2] == (400, 401)


def test_archived_and_hidden_filters_follow_the_system_tags(api):
    pid = api.call("projects.create", {"name": f"vis{uuid.uuid4().hex[:6]}"})["id"]
    ids = {n: api.call("tasks.create", {"name": n, "project": pid})["id"] for n in ["plain", "old", "secret"]}
    api.call("tasks.archive_many", {"ids": [ids["old"]]})
    api.call("tasks.edit", {"task": ids["secret"], "system_tags": ["hidden"]})

    def listed(**filters):
        body = {"project": [pid], "only_fields": ["name"], "search_hidden": True, **filters}
        tasks = api.call("tasks.get_all", body)["tasks"]
        return sorted(t["name"] for t in tasks)

    assert listed() == ["old", "plain", "secret"]
    assert listed(system_tags=["-archived"]) == ["plain", "secret"]
    assert listed(system_tags=["archived"]) == ["old"]
    assert listed(system_tags=["-archived", "-hidden"]) == ["plain"]
    assert listed(search_hidden=False) == ["old", "plain"]
    api.call("tasks.unarchive_many", {"ids": [ids["old"]]})
    assert listed(system_tags=["-archived"]) == ["old", "plain", "secret"]
