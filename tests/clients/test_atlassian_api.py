"""atlassian-python-api (4.x and 5.x, whichever is installed) against a real Cairn.

Every test goes through the library's public `Confluence` class exactly as a user script would, then
checks what a user would notice: values that round-trip, version numbers, ids, parent/child links.
"""

from importlib.metadata import version as installed_version

import pytest
import requests
from atlassian import Confluence
from atlassian.errors import ApiError

MAJOR = int(installed_version("atlassian-python-api").split(".")[0])
STORAGE = '<p>Hello <strong>world</strong></p><ac:structured-macro ac:name="info"><ac:rich-text-body><p>note</p></ac:rich-text-body></ac:structured-macro>'


@pytest.fixture(scope="module")
def confluence(server):
    return Confluence(url=server.url, username="admin", password="admin-password", timeout=30)


def status_of(error: BaseException):
    """The HTTP status behind a library exception (ApiError wraps the HTTPError as `.reason`)."""
    response = getattr(error, "response", None)
    if response is None and isinstance(getattr(error, "reason", None), requests.HTTPError):
        response = error.reason.response
    return None if response is None else response.status_code


def title_lookup(confluence, space, title, **kwargs):
    """`get_page_by_title` returns `results[0]` (or None) in 4.x and the whole result page in 5.x."""
    found = confluence.get_page_by_title(space, title, **kwargs)
    if MAJOR >= 5:
        assert isinstance(found, dict) and "results" in found, found
        results = found["results"]
        return results[0] if results else None
    return found


def test_installed_major_version_is_pinned():
    assert installed_version("atlassian-python-api") in ("4.0.7", "5.0.5")


def test_create_space_and_get_space(confluence, server, new_key):
    key = new_key("S")
    confluence.create_space(key, "Client Space")

    space = confluence.get_space(key, expand="description.plain,homepage")
    assert space["key"] == key
    assert space["name"] == "Client Space"
    assert isinstance(space["id"], int)
    assert space["homepage"]["title"] == "Client Space Home"
    assert space["homepage"]["id"].isdigit()

    listed = confluence.get_all_spaces(start=0, limit=500)
    assert key in [s["key"] for s in listed["results"]]


def test_get_space_default_expand(confluence, space_key):
    # 4.x asks for description.plain,homepage by default; 5.x asks for nothing.
    space = confluence.get_space(space_key)
    assert space["key"] == space_key
    if MAJOR < 5:
        assert space["homepage"]["title"] == f"Space {space_key} Home"
    else:
        assert space["_expandable"]["homepage"].startswith("/rest/api/content/")


def test_missing_space_is_not_found(confluence, new_key):
    with pytest.raises((ApiError, requests.HTTPError)) as raised:
        confluence.get_space(new_key("M"))
    assert status_of(raised.value) == 404


def test_create_page_storage_round_trips(confluence, server, space_key):
    created = confluence.create_page(space_key, "Storage page", STORAGE)
    page_id = created["id"]
    assert isinstance(page_id, str) and page_id.isdigit()
    assert created["version"]["number"] == 1
    assert created["space"]["key"] == space_key
    assert created["body"]["storage"]["value"] == STORAGE
    assert created["ancestors"] == []

    default = confluence.get_page_by_id(page_id)
    assert default["title"] == "Storage page"
    assert default["type"] == "page"
    assert default["status"] == "current"
    assert default["space"]["key"] == space_key
    assert default["version"]["number"] == 1
    assert default["history"]["createdBy"]["username"] == "admin"
    assert "body" not in default or "storage" not in default.get("body", {})

    with_body = confluence.get_page_by_id(page_id, expand="body.storage")
    assert with_body["body"]["storage"]["value"] == STORAGE
    assert with_body["body"]["storage"]["representation"] == "storage"


def test_create_page_from_wiki_markup(confluence, space_key):
    created = confluence.create_page(
        space_key, "Wiki page", "h1. Big title\n\nSome *bold* text", representation="wiki"
    )
    body = confluence.get_page_by_id(created["id"], expand="body.storage")["body"]["storage"]["value"]
    assert "<h1" in body and "Big title" in body
    assert "<strong>bold</strong>" in body
    assert "h1." not in body


def test_create_page_under_parent(confluence, space_key):
    parent = confluence.create_page(space_key, "Parent", "<p>p</p>")
    child = confluence.create_page(space_key, "Child", "<p>c</p>", parent_id=parent["id"])
    assert [a["id"] for a in child["ancestors"]] == [parent["id"]]
    assert confluence.get_parent_content_id(child["id"]) == parent["id"]


def test_duplicate_title_is_refused(confluence, space_key):
    confluence.create_page(space_key, "Only once", "<p>1</p>")
    with pytest.raises((ApiError, requests.HTTPError)) as raised:
        confluence.create_page(space_key, "Only once", "<p>2</p>")
    assert status_of(raised.value) == 400
    assert "already exists" in str(raised.value) or "already exists" in str(getattr(raised.value, "reason", ""))


def test_get_page_by_title(confluence, space_key):
    created = confluence.create_page(space_key, "Findable Title", "<p>x</p>")

    found = title_lookup(confluence, space_key, "Findable Title")
    assert found is not None and found["id"] == created["id"]
    assert found["title"] == "Findable Title"

    with_body = title_lookup(confluence, space_key, "Findable Title", expand="body.storage,version")
    assert with_body["body"]["storage"]["value"] == "<p>x</p>"
    assert with_body["version"]["number"] == 1

    assert title_lookup(confluence, space_key, "No such title") is None
    assert confluence.get_page_id(space_key, "Findable Title") == created["id"]


def test_page_exists(confluence, space_key):
    confluence.create_page(space_key, "Exists", "<p>x</p>")
    assert confluence.page_exists(space_key, "Exists") is True
    assert confluence.page_exists(space_key, "Does not exist") is False
    assert confluence.page_exists(space_key, "Exists", type="page") is True


def test_update_page_creates_version_two(confluence, space_key):
    created = confluence.create_page(space_key, "Evolving", "<p>v1</p>")
    updated = confluence.update_page(created["id"], "Evolving", "<p>v2</p>", version_comment="second draft")
    assert updated["id"] == created["id"]
    assert updated["version"]["number"] == 2

    page = confluence.get_page_by_id(created["id"], expand="body.storage,version")
    assert page["body"]["storage"]["value"] == "<p>v2</p>"
    assert page["version"]["number"] == 2
    assert page["version"]["message"] == "second draft"

    history = confluence.history(created["id"])
    assert history["lastUpdated"]["number"] == 2
    assert history["createdBy"]["username"] == "admin"


def test_update_page_renames(confluence, space_key):
    created = confluence.create_page(space_key, "Old name", "<p>same</p>")
    confluence.update_page(created["id"], "New name", "<p>same</p>")
    page = confluence.get_page_by_id(created["id"])
    assert page["title"] == "New name"
    assert page["version"]["number"] == 2
    assert title_lookup(confluence, space_key, "Old name") is None


def test_update_with_unchanged_body_keeps_the_version(confluence, space_key):
    # The library fetches body.storage and skips the PUT when it equals the new body; this only
    # works if the server returns the stored body byte for byte.
    created = confluence.create_page(space_key, "Stable", STORAGE)
    confluence.update_page(created["id"], "Stable", STORAGE)
    confluence.update_page(created["id"], "Stable", STORAGE)
    assert confluence.get_page_by_id(created["id"])["version"]["number"] == 1
    assert confluence.is_page_content_is_already_updated(created["id"], STORAGE, "Stable") is True
    assert confluence.is_page_content_is_already_updated(created["id"], "<p>other</p>", "Stable") is False


def test_update_or_create(confluence, space_key):
    parent = confluence.create_page(space_key, "Hub", "<p>hub</p>")

    def upsert(body):
        if MAJOR < 5:
            return confluence.update_or_create(parent["id"], "Spoke", body)
        # 5.x looks a page up under a parent through GET /rest/api/content/search (CQL), which Cairn
        # does not serve yet (FINDINGS.md, "left out"); without a parent it looks the title up in the
        # space and keeps the current parent on update.
        return confluence.update_or_create(title="Spoke", body=body, space=space_key)

    if MAJOR >= 5:
        confluence.create_page(space_key, "Spoke", "<p>first</p>", parent_id=parent["id"])
    else:
        upsert("<p>first</p>")
    first = title_lookup(confluence, space_key, "Spoke", expand="body.storage,version,ancestors")
    assert first["body"]["storage"]["value"] == "<p>first</p>"
    assert first["version"]["number"] == 1
    assert first["ancestors"][-1]["id"] == parent["id"]

    upsert("<p>second</p>")
    second = title_lookup(confluence, space_key, "Spoke", expand="body.storage,version,ancestors")
    assert second["id"] == first["id"]
    assert second["body"]["storage"]["value"] == "<p>second</p>"
    assert second["version"]["number"] == 2
    assert second["ancestors"][-1]["id"] == parent["id"]


def test_update_or_create_creates_top_level_page(confluence, space_key):
    if MAJOR < 5:
        home = confluence.get_space(space_key)["homepage"]["id"]
        confluence.update_or_create(home, "Fresh", "<p>new</p>")
    else:
        confluence.update_or_create(title="Fresh", body="<p>new</p>", space=space_key)
    page = title_lookup(confluence, space_key, "Fresh", expand="body.storage,version,ancestors")
    assert page["body"]["storage"]["value"] == "<p>new</p>"
    assert page["version"]["number"] == 1
    if MAJOR >= 5:
        assert page["ancestors"] == []


@pytest.fixture(scope="module")
def many_children(confluence, server, new_key):
    """A parent page with 32 children, more than the default page size of 25."""
    key = new_key("C")
    server.create_space(key)
    parent = confluence.create_page(key, "Many children", "<p>parent</p>")
    ids = [confluence.create_page(key, f"Kid {n:02d}", f"<p>{n}</p>", parent_id=parent["id"])["id"] for n in range(32)]
    return parent["id"], ids


def test_child_pages_generator_follows_next_links(confluence, many_children):
    parent_id, ids = many_children
    children = list(confluence.get_page_child_by_type(parent_id, type="page"))
    assert [c["id"] for c in children] == ids
    assert [c["title"] for c in children] == [f"Kid {n:02d}" for n in range(32)]


def test_get_child_pages_and_id_list(confluence, many_children):
    parent_id, ids = many_children
    assert [c["id"] for c in confluence.get_child_pages(parent_id)] == ids
    assert list(confluence.get_child_id_list(parent_id)) == ids
    assert list(confluence.get_child_title_list(parent_id)) == [f"Kid {n:02d}" for n in range(32)]


def test_child_pages_explicit_window(confluence, many_children):
    parent_id, ids = many_children
    assert [c["id"] for c in confluence.get_page_child_by_type(parent_id, start=0, limit=10)] == ids[:10]
    assert [c["id"] for c in confluence.get_page_child_by_type(parent_id, start=30, limit=10)] == ids[30:]
    with_version = confluence.get_page_child_by_type(parent_id, start=5, limit=3, expand="version")
    assert [c["version"]["number"] for c in with_version] == [1, 1, 1]


def test_get_page_ancestors(confluence, space_key):
    root = confluence.create_page(space_key, "Root", "<p>r</p>")
    middle = confluence.create_page(space_key, "Middle", "<p>m</p>", parent_id=root["id"])
    leaf = confluence.create_page(space_key, "Leaf", "<p>l</p>", parent_id=middle["id"])
    ancestors = confluence.get_page_ancestors(leaf["id"])
    assert [a["id"] for a in ancestors] == [root["id"], middle["id"]]
    assert [a["title"] for a in ancestors] == ["Root", "Middle"]
    assert confluence.get_page_ancestors(root["id"]) == []
    assert confluence.get_parent_content_title(leaf["id"]) == "Middle"
    assert confluence.get_page_space(leaf["id"]) == space_key


def test_historical_version(confluence, space_key):
    created = confluence.create_page(space_key, "Versioned", "<p>one</p>")
    confluence.update_page(created["id"], "Versioned", "<p>two</p>")
    confluence.update_page(created["id"], "Versioned", "<p>three</p>")

    old = confluence.get_page_by_id(created["id"], expand="body.storage,version", status="historical", version=1)
    assert old["id"] == created["id"]
    assert old["status"] == "historical"
    assert old["version"]["number"] == 1
    assert old["body"]["storage"]["value"] == "<p>one</p>"

    middle = confluence.get_page_by_id(created["id"], expand="body.storage,version", status="historical", version=2)
    assert middle["body"]["storage"]["value"] == "<p>two</p>"

    current = confluence.get_page_by_id(created["id"], expand="body.storage,version")
    assert current["version"]["number"] == 3
    assert current["body"]["storage"]["value"] == "<p>three</p>"


def test_remove_page_trashes_then_purges(confluence, space_key):
    created = confluence.create_page(space_key, "Doomed", "<p>bye</p>")
    page_id = created["id"]

    confluence.remove_page(page_id)
    with pytest.raises((ApiError, requests.HTTPError)) as raised:
        confluence.get_page_by_id(page_id)
    assert status_of(raised.value) == 404
    trashed = confluence.get_page_by_id(page_id, status="trashed")
    assert trashed["status"] == "trashed"
    assert trashed["title"] == "Doomed"
    assert confluence.page_exists(space_key, "Doomed") is False

    confluence.remove_page(page_id, status="trashed")
    for status in ("trashed", "any"):
        with pytest.raises((ApiError, requests.HTTPError)) as raised:
            confluence.get_page_by_id(page_id, status=status)
        assert status_of(raised.value) == 404


def test_missing_page_is_not_found(confluence):
    with pytest.raises((ApiError, requests.HTTPError)) as raised:
        confluence.get_page_by_id("999999999")
    assert status_of(raised.value) == 404
    # Both versions wrap the 404 in ApiError; the server's message is on the wrapped HTTPError.
    assert isinstance(raised.value, ApiError)
    assert "No content found with id: ContentId{id=999999999}" in str(raised.value.reason)


def test_history_of_missing_page_is_not_found(confluence):
    with pytest.raises((ApiError, requests.HTTPError)) as raised:
        confluence.history("999999998")
    assert status_of(raised.value) == 404


def test_wrong_password_is_401(server, space_key):
    wrong = Confluence(url=server.url, username="admin", password="not-the-password", timeout=30)
    with pytest.raises(requests.HTTPError) as raised:
        wrong.get_page_by_id("1", expand="version")
    assert raised.value.response.status_code == 401
    # The server's message reaches the caller only if the 401 carries JSON with the exact
    # Content-Type `application/json;charset=UTF-8` (4.x checks it literally).
    assert raised.value.response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert "credentials" in str(raised.value)
    assert raised.value.response.headers["WWW-Authenticate"].startswith("Basic")
    with pytest.raises(requests.HTTPError) as raised:
        wrong.get_all_spaces()
    assert raised.value.response.status_code == 401


def test_unknown_user_is_401(server):
    stranger = Confluence(url=server.url, username="nobody", password="x", timeout=30)
    with pytest.raises(requests.HTTPError) as raised:
        stranger.get_all_spaces()
    assert raised.value.response.status_code == 401


def test_personal_access_token(server, space_key):
    token = server.create_token("client-test")
    with_token = Confluence(url=server.url, token=token, timeout=30)
    created = with_token.create_page(space_key, "Made with a token", "<p>t</p>")
    page = with_token.get_page_by_id(created["id"], expand="body.storage,version,history")
    assert page["body"]["storage"]["value"] == "<p>t</p>"
    assert page["history"]["createdBy"]["username"] == "admin"
    with_token.update_page(created["id"], "Made with a token", "<p>t2</p>")
    assert with_token.get_page_by_id(created["id"])["version"]["number"] == 2

    bad = Confluence(url=server.url, token=token + "x", timeout=30)
    with pytest.raises(requests.HTTPError) as raised:
        bad.get_all_spaces()
    assert raised.value.response.status_code == 401


def test_all_pages_from_space(confluence, space_key):
    titles = [f"Listed {n}" for n in range(3)]
    for title in titles:
        confluence.create_page(space_key, title, "<p>x</p>")
    pages = list(confluence.get_all_pages_from_space(space_key, start=0, limit=50))
    listed = {p["title"] for p in pages}
    assert set(titles) <= listed
    assert f"Space {space_key} Home" in listed


def test_spaces_list_in_windows(confluence, server, new_key):
    keys = [new_key("W") for _ in range(3)]
    for key in keys:
        confluence.create_space(key, f"Window {key}")
    everything = confluence.get_all_spaces(start=0, limit=500)
    listed = [s["key"] for s in everything["results"]]
    assert set(keys) <= set(listed)
    first = confluence.get_all_spaces(start=0, limit=2)
    assert [s["key"] for s in first["results"]] == listed[:2]
    assert first["size"] == 2 and first["limit"] == 2
    second = confluence.get_all_spaces(start=2, limit=2)
    assert [s["key"] for s in second["results"]] == listed[2:4]


def test_blog_posts(confluence, space_key):
    post = confluence.create_page(space_key, "Release notes", "<p>news</p>", type="blogpost")
    assert post["type"] == "blogpost"
    assert confluence.page_exists(space_key, "Release notes", type="blogpost") is True
    assert confluence.page_exists(space_key, "Release notes", type="page") is False
    if MAJOR >= 5:
        found = confluence.get_blog_post_by_title(space_key, "Release notes")["results"]
        assert [p["id"] for p in found] == [post["id"]]
    else:
        found = confluence.get_page_by_title(space_key, "Release notes", type="blogpost")
        assert found["id"] == post["id"]
    confluence.update_page(post["id"], "Release notes", "<p>more news</p>", type="blogpost")
    again = confluence.get_page_by_id(post["id"], expand="body.storage,version")
    assert again["version"]["number"] == 2
    assert again["body"]["storage"]["value"] == "<p>more news</p>"


def test_update_page_with_wiki_markup(confluence, space_key):
    created = confluence.create_page(space_key, "Wiki later", "<p>storage first</p>")
    confluence.update_page(created["id"], "Wiki later", "h2. Now wiki\n\n_emphasis_", representation="wiki")
    page = confluence.get_page_by_id(created["id"], expand="body.storage,version")
    assert page["version"]["number"] == 2
    assert "<h2" in page["body"]["storage"]["value"] and "Now wiki" in page["body"]["storage"]["value"]
    assert "<em>emphasis</em>" in page["body"]["storage"]["value"]


def test_append_and_prepend(confluence, space_key):
    created = confluence.create_page(space_key, "Growing", "<p>middle</p>")
    confluence.append_page(created["id"], "Growing", "<p>end</p>")
    confluence.prepend_page(created["id"], "Growing", "<p>start</p>")
    page = confluence.get_page_by_id(created["id"], expand="body.storage,version")
    assert page["body"]["storage"]["value"] == "<p>start</p><p>middle</p><p>end</p>"
    assert page["version"]["number"] == 3


def test_move_page_to_another_parent(confluence, space_key):
    first = confluence.create_page(space_key, "Shelf one", "<p/>")
    second = confluence.create_page(space_key, "Shelf two", "<p/>")
    resident = confluence.create_page(space_key, "Resident", "<p/>", parent_id=second["id"])
    book = confluence.create_page(space_key, "Book", "<p>v1</p>", parent_id=first["id"])
    # The body changes too: the library skips the PUT when title and body are unchanged.
    confluence.update_page(book["id"], "Book", "<p>v2</p>", parent_id=second["id"])
    assert [a["id"] for a in confluence.get_page_ancestors(book["id"])] == [second["id"]]
    assert confluence.get_child_id_list(first["id"]) == []
    assert list(confluence.get_child_id_list(second["id"])) == [resident["id"], book["id"]]


def test_trash_listing(confluence, space_key):
    keep = confluence.create_page(space_key, "Keeper", "<p/>")
    gone = confluence.create_page(space_key, "Goner", "<p/>")
    confluence.remove_page(gone["id"])
    current = [p["id"] for p in confluence.get_all_pages_from_space(space_key, start=0, limit=50)]
    assert keep["id"] in current and gone["id"] not in current
    trashed = [p["id"] for p in confluence.get_all_pages_from_space_trash(space_key, start=0, limit=50)]
    assert trashed == [gone["id"]]


def test_history_has_previous_version(confluence, space_key):
    created = confluence.create_page(space_key, "Twice", "<p>1</p>")
    confluence.update_page(created["id"], "Twice", "<p>2</p>", version_comment="two")
    history = confluence.history(created["id"])
    assert history["latest"] is True
    assert history["lastUpdated"]["number"] == 2
    assert history["lastUpdated"]["message"] == "two"
    assert history["previousVersion"]["number"] == 1
    assert history["createdDate"] <= history["lastUpdated"]["when"]


def test_unicode_title_and_body(confluence, space_key):
    title = "Grüße — 日本語 😀 Q&A: 50% off / now? #1"
    body = "<p>Ünïcödé 😀 𝄞 &amp; &lt;tags&gt; “quotes”</p>"
    created = confluence.create_page(space_key, title, body)
    assert created["title"] == title
    found = title_lookup(confluence, space_key, title, expand="body.storage")
    assert found["id"] == created["id"]
    assert found["body"]["storage"]["value"] == body
    confluence.update_page(created["id"], title, body)
    assert confluence.get_page_by_id(created["id"])["version"]["number"] == 1


def test_token_from_the_command_line(server, space_key):
    with_token = Confluence(url=server.url, token=server.create_token_with_cli("script"), timeout=30)
    created = with_token.create_page(space_key, "Scripted", "<p>s</p>")
    assert with_token.get_page_by_id(created["id"], expand="history")["history"]["createdBy"]["username"] == "admin"


def test_revoked_token_is_401(server, space_key):
    token = server.create_token("short-lived")
    with_token = Confluence(url=server.url, token=token, timeout=30)
    assert with_token.get_space(space_key)["key"] == space_key
    # Data Center lists tokens as a bare JSON array.
    [entry] = [t for t in server.api("GET", "/rest/pat/latest/tokens").json() if t["name"] == "short-lived"]
    assert server.api("DELETE", f"/rest/pat/latest/tokens/{entry['id']}").status_code in (200, 204)
    with pytest.raises(requests.HTTPError) as raised:
        with_token.get_space(space_key)
    assert raised.value.response.status_code == 401


def test_update_or_create_with_title_in_other_case(confluence, space_key):
    existing = confluence.create_page(space_key, "README", "<p>upper</p>")
    if MAJOR < 5:
        home = confluence.get_space(space_key)["homepage"]["id"]
        confluence.update_or_create(home, "readme", "<p>lower</p>")
    else:
        confluence.update_or_create(title="readme", body="<p>lower</p>", space=space_key)
    assert confluence.page_exists(space_key, "readme") is True
    assert confluence.get_page_by_id(existing["id"], expand="version")["version"]["number"] == 2


def test_update_or_create_with_padded_title_twice(confluence, space_key):
    def upsert(body):
        if MAJOR < 5:
            home = confluence.get_space(space_key)["homepage"]["id"]
            return confluence.update_or_create(home, "  Padded title  ", body)
        return confluence.update_or_create(title="  Padded title  ", body=body, space=space_key)

    upsert("<p>one</p>")
    upsert("<p>two</p>")
    assert confluence.page_exists(space_key, "  Padded title  ") is True
    found = title_lookup(confluence, space_key, "  Padded title  ", expand="body.storage,version")
    assert found["body"]["storage"]["value"] == "<p>two</p>"
    assert found["version"]["number"] == 2


def test_remove_page_recursive_with_many_children(confluence, server, space_key):
    parent = confluence.create_page(space_key, "Big family", "<p/>")
    kids = [confluence.create_page(space_key, f"Member {n:02d}", "<p/>", parent_id=parent["id"])["id"]
            for n in range(30)]
    confluence.remove_page(parent["id"], recursive=True)
    still_current = [k for k in kids if server.api("GET", f"/rest/api/content/{k}").status_code == 200]
    assert still_current == []
    assert all(server.content(k, status="trashed")["status"] == "trashed" for k in kids)


def test_large_page_body_round_trips(confluence, space_key):
    # A generated reference page (API docs, changelogs) easily passes 2 MiB of storage XHTML.
    body = "<p>" + "0123456789abcdef" * (3 * 1024 * 1024 // 16) + "</p>"
    created = confluence.create_page(space_key, "Large page", body)
    page = confluence.get_page_by_id(created["id"], expand="body.storage")
    assert len(page["body"]["storage"]["value"]) == len(body)
    assert page["body"]["storage"]["value"] == body


def test_all_pages_from_space_over_several_batches(confluence, space_key):
    titles = [f"Bulk {n:02d}" for n in range(30)]
    for title in titles:
        confluence.create_page(space_key, title, "<p/>")
    expected = set(titles) | {f"Space {space_key} Home"}
    if MAJOR >= 5:
        # A generator that follows _links.next (default page size 25).
        pages = list(confluence.get_all_pages_from_space(space_key, expand="version"))
        assert all(p["version"]["number"] == 1 for p in pages)
    else:
        pages = list(confluence.get_all_pages_from_space_as_generator(space_key, start=0, limit=10))
    assert len(pages) == len(expected)
    assert {p["title"] for p in pages} == expected


def test_draft_pages(confluence, server, space_key):
    draft = confluence.create_page(space_key, "Work in progress", "<p>not yet</p>", status="draft")
    assert draft["status"] == "draft"
    fetched = confluence.get_draft_page_by_id(draft["id"], expand="body.storage")
    assert fetched["body"]["storage"]["value"] == "<p>not yet</p>"
    assert not confluence.page_exists(space_key, "Work in progress")
    # Publishing: an update with status current.
    published = server.api("PUT", f"/rest/api/content/{draft['id']}", json={
        "type": "page", "title": "Work in progress", "status": "current", "version": {"number": 1},
        "body": {"storage": {"value": "<p>done</p>", "representation": "storage"}}}).json()
    assert published["status"] == "current" and published["version"]["number"] == 1
    assert confluence.page_exists(space_key, "Work in progress")
