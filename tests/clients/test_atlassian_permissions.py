"""Permissions through atlassian-python-api (4.x and 5.x): restrictions, space permissions, groups,
and the errors a user without rights gets (404 for what they may not see, 403 for what they may
not change)."""

import secrets

import pytest
import requests
from atlassian import Confluence

from test_atlassian_api import MAJOR, status_of


@pytest.fixture(scope="module")
def confluence(server):
    return Confluence(url=server.url, username="admin", password="admin-password", timeout=30)


@pytest.fixture(scope="module")
def outsider(server):
    """A normal user, and a client logged in as them."""
    name = "outsider" + secrets.token_hex(3)
    password = "pw-" + secrets.token_hex(8)
    server.create_user(name, password)
    return name, Confluence(url=server.url, username=name, password=password, timeout=30)


def restrict(server, page_id, read=(), update=(), read_groups=()):
    body = [
        {"operation": "read", "restrictions": {
            "user": [{"type": "known", "username": u} for u in read],
            "group": [{"type": "group", "name": g} for g in read_groups]}},
        {"operation": "update", "restrictions": {
            "user": [{"type": "known", "username": u} for u in update], "group": []}},
    ]
    response = server.api("PUT", f"/rest/api/content/{page_id}/restriction", json=body)
    assert response.status_code == 200, response.text


def test_restrictions_by_operation(confluence, server, space_key, outsider):
    name, _ = outsider
    page = confluence.create_page(space_key, "Restricted by op", "<p>x</p>")
    restrict(server, page["id"], read=["admin", name], update=["admin"])
    found = confluence.get_all_restrictions_for_content(page["id"])
    read_users = [u["username"] for u in found["read"]["restrictions"]["user"]["results"]]
    update_users = [u["username"] for u in found["update"]["restrictions"]["user"]["results"]]
    assert sorted(read_users) == sorted(["admin", name])
    assert update_users == ["admin"]


def test_outsider_gets_not_found_for_restricted_pages(confluence, server, space_key, outsider):
    _, as_outsider = outsider
    secret = confluence.create_page(space_key, "Secret page", "<p>hidden words</p>")
    child = confluence.create_page(space_key, "Secret child", "<p>below</p>", parent_id=secret["id"])
    restrict(server, secret["id"], read=["admin"])
    for page_id in (secret["id"], child["id"]):
        with pytest.raises(Exception) as raised:
            as_outsider.get_page_by_id(page_id, expand="body.storage")
        assert status_of(raised.value) == 404
    assert not as_outsider.page_exists(space_key, "Secret page")
    listed = as_outsider.get_all_pages_from_space(space_key, limit=100)
    assert "Secret page" not in [p["title"] for p in listed]
    assert "Secret child" not in [p["title"] for p in listed]
    found = as_outsider.cql(f'space = "{space_key}" and text ~ "hidden"')
    assert found["totalSize"] == 0 and found["results"] == []
    # The administrator, who is named, still sees both.
    assert confluence.get_page_by_id(child["id"])["title"] == "Secret child"


def test_outsider_gets_forbidden_when_editing_a_guarded_page(confluence, server, space_key, outsider):
    _, as_outsider = outsider
    page = confluence.create_page(space_key, "Guarded page", "<p>v1</p>")
    restrict(server, page["id"], update=["admin"])
    assert as_outsider.get_page_by_id(page["id"])["title"] == "Guarded page"
    with pytest.raises(Exception) as raised:
        as_outsider.update_page(page["id"], "Guarded page", "<p>changed</p>")
    assert status_of(raised.value) == 403
    with pytest.raises(Exception) as raised:
        as_outsider.set_page_label(page["id"], "graffiti")
    assert status_of(raised.value) == 403
    if MAJOR >= 5:
        # 5.x sends the DELETE in "advanced mode" and hands back the status instead of raising.
        assert as_outsider.remove_page(page["id"]) == 403
    else:
        with pytest.raises(Exception) as raised:
            as_outsider.remove_page(page["id"])
        assert status_of(raised.value) == 403
    current = confluence.get_page_by_id(page["id"], expand="body.storage,version")
    assert current["version"]["number"] == 1
    assert current["body"]["storage"]["value"] == "<p>v1</p>"


def test_space_permissions(confluence, space_key):
    listed = confluence.get_all_space_permissions(space_key)
    assert isinstance(listed, list)
    pairs = {(p["subject"]["displayName"], p["operation"]["operationKey"], p["operation"]["targetType"]) for p in listed}
    assert ("confluence-users", "read", "space") in pairs
    assert ("admin", "administer", "space") in pairs
    sets = confluence.get_space_permissions(space_key)
    if MAJOR >= 5:
        # 5.x reads the Cloud-style /permission path.
        assert sets["spaceKey"] == space_key and sets["size"] == len(listed)
    else:
        view = next(s for s in sets if s["type"] == "VIEWSPACE")
        assert {"type": "VIEWSPACE", "userName": None, "groupName": "confluence-users"} in view["spacePermissions"]


def test_groups_and_group_restrictions(confluence, server, space_key, outsider):
    name, as_outsider = outsider
    group = "team-" + secrets.token_hex(3)
    confluence.create_group(group)
    # 4.x takes (username, group_name), 5.x (group_name, username): keywords suit both.
    confluence.add_user_to_group(username=name, group_name=group)
    listed = confluence.get_group_members(group)
    # 4.x hands back the results, 5.x the whole page.
    members = [m["username"] for m in (listed["results"] if isinstance(listed, dict) else listed)]
    assert name in members
    page = confluence.create_page(space_key, f"For {group}", "<p>team only</p>")
    restrict(server, page["id"], read=["admin"], read_groups=[group])
    assert as_outsider.get_page_by_id(page["id"])["title"] == f"For {group}"
    confluence.remove_user_from_group(username=name, group_name=group)
    with pytest.raises(Exception) as raised:
        as_outsider.get_page_by_id(page["id"])
    assert status_of(raised.value) == 404
    confluence.remove_group(group)
    assert group not in [g["name"] for g in confluence.get_all_groups()]


def test_space_permission_grants_over_rpc_and_rest(confluence, server, new_key, outsider):
    name, as_outsider = outsider
    key = new_key("P")
    server.create_space(key)
    response = server.api("POST", "/rpc/json-rpc/confluenceservice-v2", json={
        "jsonrpc": "2.0", "id": 1, "method": "removePermissionFromSpace",
        "params": ["VIEWSPACE", "confluence-users", key]})
    assert response.json()["result"] is True, response.text
    with pytest.raises(Exception) as raised:
        as_outsider.get_space(key)
    assert status_of(raised.value) == 404
    confluence.add_space_permissions(key, "user", name, "read", "space")
    assert as_outsider.get_space(key)["key"] == key
    if MAJOR < 5:
        assert confluence.remove_space_permission(key, name, "VIEWSPACE") is True
        with pytest.raises(Exception) as raised:
            as_outsider.get_space(key)
        assert status_of(raised.value) == 404
