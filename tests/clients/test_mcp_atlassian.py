"""mcp-atlassian's Confluence client (Server/DC mode) against a real Cairn.

The MCP tools are thin wrappers over `ConfluenceFetcher`; these tests call the fetcher directly,
configured as an operator would (CONFLUENCE_URL names the instance, which also makes mcp-atlassian's
SSRF guard trust the loopback address), with Basic auth (username + "API token" as the password) and
with a personal access token.
"""

import pytest
import requests
from mcp_atlassian.confluence import ConfluenceConfig, ConfluenceFetcher
from mcp_atlassian.exceptions import MCPAtlassianAuthenticationError


@pytest.fixture(scope="module", autouse=True)
def trusted_instance(server):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFLUENCE_URL", server.url)
        for name in ("CONFLUENCE_USERNAME", "CONFLUENCE_API_TOKEN", "CONFLUENCE_PERSONAL_TOKEN",
                     "MCP_ALLOWED_URL_DOMAINS", "CONFLUENCE_SPACES_FILTER"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def basic(server):
    config = ConfluenceConfig(url=server.url, auth_type="basic", username="admin", api_token="admin-password")
    fetcher = ConfluenceFetcher(config=config)
    assert not fetcher.config.is_cloud
    return fetcher


@pytest.fixture(scope="module")
def pat(server):
    config = ConfluenceConfig(url=server.url, auth_type="pat", personal_token=server.create_token("mcp"))
    return ConfluenceFetcher(config=config)


@pytest.fixture(params=["basic", "pat"])
def fetcher(request):
    return request.getfixturevalue(request.param)


def storage_of(server, page_id):
    return server.content(page_id, expand="body.storage")["body"]["storage"]["value"]


def test_create_page_from_markdown(fetcher, server, space_key):
    page = fetcher.create_page(space_key, "From markdown", "# Heading\n\nSome **bold** text\n\n- a\n- b")
    assert page.id.isdigit()
    assert page.title == "From markdown"
    assert page.space.key == space_key
    assert page.version.number == 1
    stored = storage_of(server, page.id)
    assert "<strong>bold</strong>" in stored
    assert "<li>a</li>" in stored or "<li><p>a</p></li>" in stored
    assert page.url == f"{server.url}/pages/viewpage.action?pageId={page.id}"


def test_create_page_storage_and_wiki(fetcher, server, space_key):
    stored = fetcher.create_page(space_key, "Raw storage", "<p>raw <em>x</em></p>", is_markdown=False,
                                 content_representation="storage")
    assert storage_of(server, stored.id) == "<p>raw <em>x</em></p>"

    wiki = fetcher.create_page(space_key, "Raw wiki", "h2. Wiki head\n\n*strong* words", is_markdown=False,
                               content_representation="wiki")
    body = storage_of(server, wiki.id)
    assert "<h2" in body and "Wiki head" in body
    assert "<strong>strong</strong>" in body


def test_create_child_page(fetcher, server, space_key):
    parent = fetcher.create_page(space_key, "Parent", "parent body")
    child = fetcher.create_page(space_key, "Child", "child body", parent_id=parent.id)
    ancestors = server.content(child.id, expand="ancestors")["ancestors"]
    assert [a["id"] for a in ancestors] == [parent.id]


def test_get_page_content(fetcher, server, space_key):
    created = server.api("POST", "/rest/api/content", json={
        "type": "page", "title": "Readable", "space": {"key": space_key},
        "body": {"storage": {"value": "<p>Plain <strong>strong</strong> words</p>", "representation": "storage"}},
    }).json()

    raw = fetcher.get_page_content(created["id"], convert_to_markdown=False)
    assert raw.id == created["id"]
    assert raw.title == "Readable"
    assert raw.space.key == space_key
    assert raw.version.number == 1
    assert raw.version.by.display_name
    assert raw.author is not None and raw.author.display_name
    assert raw.created and raw.updated
    assert "<strong>strong</strong>" in raw.content

    markdown = fetcher.get_page_content(created["id"])
    assert "**strong**" in markdown.content
    simplified = markdown.to_simplified_dict()
    assert simplified["version"] == 1
    assert simplified["space"]["key"] == space_key


def test_get_page_by_title(fetcher, space_key):
    created = fetcher.create_page(space_key, "Titled", "titled body")
    found = fetcher.get_page_by_title(space_key, "Titled", convert_to_markdown=False)
    assert found is not None
    assert found.id == created.id
    assert "titled body" in found.content
    assert fetcher.get_page_by_title(space_key, "Not there") is None


def test_update_page(fetcher, server, space_key):
    created = fetcher.create_page(space_key, "Changing", "first body")
    updated = fetcher.update_page(created.id, "Changing", "second **body**", version_comment="via mcp")
    assert updated.id == created.id
    assert updated.version.number == 2
    page = server.content(created.id, expand="body.storage,version")
    assert page["version"]["number"] == 2
    assert page["version"]["message"] == "via mcp"
    assert "<strong>body</strong>" in page["body"]["storage"]["value"]

    renamed = fetcher.update_page(created.id, "Changed", "third body", is_minor_edit=True)
    assert renamed.title == "Changed"
    assert renamed.version.number == 3
    assert server.content(created.id, expand="version")["version"]["minorEdit"] is True


def test_update_page_reparents(fetcher, server, space_key):
    first = fetcher.create_page(space_key, "First parent", "x")
    second = fetcher.create_page(space_key, "Second parent", "x")
    child = fetcher.create_page(space_key, "Moving child", "x", parent_id=first.id)
    fetcher.update_page(child.id, "Moving child", "x", parent_id=second.id)
    assert [a["id"] for a in server.content(child.id, expand="ancestors")["ancestors"]] == [second.id]


def test_get_page_children(fetcher, space_key):
    parent = fetcher.create_page(space_key, "Family", "parent")
    kids = [fetcher.create_page(space_key, f"Kid {n}", f"kid {n}", parent_id=parent.id) for n in range(3)]
    children = fetcher.get_page_children(parent.id, limit=25)
    assert [c.id for c in children] == [k.id for k in kids]
    assert [c.title for c in children] == ["Kid 0", "Kid 1", "Kid 2"]
    # The space key comes from `_expandable.space` on the child list.
    assert all(c.space.key == space_key for c in children)
    assert all(c.version.number == 1 for c in children)

    second_window = fetcher.get_page_children(parent.id, start=1, limit=1)
    assert [c.id for c in second_window] == [kids[1].id]

    with_bodies = fetcher.get_page_children(parent.id, expand="body.storage,version", convert_to_markdown=True)
    assert [c.content.strip() for c in with_bodies] == ["kid 0", "kid 1", "kid 2"]


def test_get_page_ancestors(fetcher, space_key):
    root = fetcher.create_page(space_key, "Anc root", "r")
    middle = fetcher.create_page(space_key, "Anc middle", "m", parent_id=root.id)
    leaf = fetcher.create_page(space_key, "Anc leaf", "l", parent_id=middle.id)
    ancestors = fetcher.get_page_ancestors(leaf.id)
    assert [a.id for a in ancestors] == [root.id, middle.id]
    assert [a.title for a in ancestors] == ["Anc root", "Anc middle"]


def test_page_history_and_diff(fetcher, space_key):
    created = fetcher.create_page(space_key, "Historic", "line one")
    fetcher.update_page(created.id, "Historic", "line two")
    old = fetcher.get_page_history(created.id, version=1, convert_to_markdown=False)
    assert old.version.number == 1
    assert "line one" in old.content
    assert "line two" not in old.content
    diff = fetcher.get_page_version_diff(created.id, 1, 2)
    assert "-<p>line one</p>" in diff["diff"].replace(" ", "") or "line one" in diff["diff"]
    assert "line two" in diff["diff"]


def test_space_page_tree(fetcher, space_key):
    top = fetcher.create_page(space_key, "Tree top", "t")
    leaves = [fetcher.create_page(space_key, f"Tree leaf {n}", "l", parent_id=top.id) for n in range(2)]
    tree = fetcher.get_space_page_tree(space_key)
    assert tree["has_more"] is False
    by_id = {p["id"]: p for p in tree["pages"]}
    assert by_id[top.id]["parent_id"] is None and by_id[top.id]["depth"] == 0
    for leaf in leaves:
        assert by_id[leaf.id]["parent_id"] == top.id
        assert by_id[leaf.id]["depth"] == 1
    assert [by_id[leaf.id]["position"] for leaf in leaves] == sorted(by_id[leaf.id]["position"] for leaf in leaves)
    assert tree["total_pages"] == len(tree["pages"]) == 4  # home page, top and two leaves


def test_space_pages_and_spaces(fetcher, space_key):
    fetcher.create_page(space_key, "Listed page", "listed body")
    pages = fetcher.get_space_pages(space_key, start=0, limit=10, convert_to_markdown=False)
    titles = {p.title: p for p in pages}
    assert "Listed page" in titles
    assert "listed body" in titles["Listed page"].content

    spaces = fetcher.get_spaces(start=0, limit=500)
    assert space_key in [s["key"] for s in spaces["results"]]


def test_current_user(fetcher):
    user = fetcher.get_current_user_info()
    assert user["username"] == "admin"
    assert user["userKey"]
    assert user["displayName"]


def test_delete_page_moves_it_to_the_trash(fetcher, server, space_key):
    created = fetcher.create_page(space_key, "Short lived", "bye")
    assert fetcher.delete_page(created.id) is True
    assert server.api("GET", f"/rest/api/content/{created.id}").status_code == 404
    assert server.content(created.id, status="trashed")["status"] == "trashed"


def test_wrong_credentials(server):
    config = ConfluenceConfig(url=server.url, auth_type="basic", username="admin", api_token="wrong")
    with pytest.raises(MCPAtlassianAuthenticationError):
        ConfluenceFetcher(config=config).get_current_user_info()
    config = ConfluenceConfig(url=server.url, auth_type="pat", personal_token="not-a-token")
    with pytest.raises(MCPAtlassianAuthenticationError):
        ConfluenceFetcher(config=config).get_current_user_info()


def test_config_from_environment(server, monkeypatch, space_key):
    monkeypatch.setenv("CONFLUENCE_PERSONAL_TOKEN", server.create_token("env"))
    config = ConfluenceConfig.from_env()
    assert config.auth_type == "pat"
    fetcher = ConfluenceFetcher(config=config)
    page = fetcher.create_page(space_key, "From env config", "env body")
    assert fetcher.get_page_content(page.id).version.number == 1


def test_update_page_section(fetcher, server, space_key):
    body = "<h2>Keep</h2><p>kept text</p><h2>Replace</h2><p>old text</p><h2>Tail</h2><p>tail text</p>"
    created = server.api("POST", "/rest/api/content", json={
        "type": "page", "title": "Sectioned", "space": {"key": space_key},
        "body": {"storage": {"value": body, "representation": "storage"}},
    }).json()
    updated = fetcher.update_page_section(created["id"], "Replace", "<p>new text</p>", content_format="storage")
    assert updated.version.number == 2
    stored = storage_of(server, created["id"])
    assert "old text" not in stored
    assert "<h2>Replace</h2><p>new text</p>" in stored
    assert "<p>kept text</p>" in stored and "<p>tail text</p>" in stored


def test_copy_page(fetcher, server, space_key, new_key):
    source = fetcher.create_page(space_key, "Original", "original **body**")
    target_space = new_key("D")
    server.create_space(target_space)
    copy = fetcher.copy_page(source.id, target_space, "Copied")
    assert copy.id != source.id
    assert copy.title == "Copied"
    assert copy.space.key == target_space
    assert storage_of(server, copy.id) == storage_of(server, source.id)


def test_labels(fetcher, space_key):
    page = fetcher.create_page(space_key, "Label me", "x")
    fetcher.add_page_label(page.id, "first")
    labels = fetcher.add_page_label(page.id, "second")
    assert sorted(label.name for label in labels) == ["first", "second"]
    assert sorted(label.name for label in fetcher.get_page_labels(page.id)) == ["first", "second"]
    assert all(label.prefix == "global" and label.id for label in fetcher.get_page_labels(page.id))


def test_footer_comments_and_replies(fetcher, space_key):
    page = fetcher.create_page(space_key, "Commented", "x")
    first = fetcher.add_comment(page.id, "A **bold** remark")
    assert first is not None and first.id.isdigit()
    reply = fetcher.reply_to_comment(first.id, "A reply")
    assert reply is not None and reply.id.isdigit()

    comments = fetcher.get_page_comments(page.id, return_markdown=False)
    assert [c.id for c in comments] == [first.id, reply.id]
    assert "<strong>bold</strong>" in comments[0].body
    assert comments[0].author is not None and comments[0].author.display_name
    assert "A reply" in comments[1].body

    markdown = fetcher.get_page_comments(page.id)
    assert "**bold**" in markdown[0].body


def test_inline_comments(fetcher, space_key):
    page = fetcher.create_page(space_key, "Inline target", "The quick brown fox")
    added = fetcher.add_inline_comment(page.id, "Which fox?", "brown fox")
    assert added is not None and added.id.isdigit()
    inline = fetcher.get_inline_comments(page.id, return_markdown=False)
    assert [c.id for c in inline] == [added.id]
    assert inline[0].location == "inline"
    assert "Which fox?" in inline[0].body
    # A footer comment does not show up among the inline ones.
    assert fetcher.add_comment(page.id, "footer") is not None
    assert len(fetcher.get_inline_comments(page.id)) == 1


def test_emoji_and_width_properties(fetcher, server, space_key):
    page = fetcher.create_page(space_key, "Decorated", "x", emoji="🚀", page_width="full-width")
    fetched = fetcher.get_page_content(page.id)
    # mcp-atlassian stores the emoji as its code point ("1f680") and hands that string back as is.
    assert fetched.emoji == "1f680"
    assert fetched.page_width == "full-width"
    properties = server.api("GET", f"/rest/api/content/{page.id}/property").json()["results"]
    values = {p["key"]: p["value"] for p in properties}
    assert values["emoji-title-published"] == "1f680"
    assert values["emoji-title-draft"] == "1f680"
    assert values["content-appearance-published"] == "full-width"

    fetcher.update_page(page.id, "Decorated", "y", emoji="", page_width="max")
    again = fetcher.get_page_content(page.id)
    assert again.emoji is None
    assert again.page_width == "max"
    assert again.version.number == 2


def test_move_page(fetcher, server, space_key, new_key):
    shelf = fetcher.create_page(space_key, "Shelf", "x")
    book = fetcher.create_page(space_key, "Book", "x")
    moved = fetcher.move_page(book.id, target_parent_id=shelf.id)
    assert moved.id == book.id
    assert [a["id"] for a in server.content(book.id, expand="ancestors")["ancestors"]] == [shelf.id]

    other = new_key("M")
    server.create_space(other)
    other_home = server.api("GET", f"/rest/api/space/{other}?expand=homepage").json()["homepage"]["id"]
    away = fetcher.move_page(book.id, target_parent_id=other_home)
    assert away.space.key == other
    assert [a["id"] for a in server.content(book.id, expand="ancestors")["ancestors"]] == [other_home]


def test_move_page_to_the_root_of_another_space(fetcher, server, space_key, new_key):
    book = fetcher.create_page(space_key, "Roaming book", "x")
    other = new_key("R")
    server.create_space(other)
    away = fetcher.move_page(book.id, target_space_key=other)
    assert away.space.key == other
    assert server.content(book.id, expand="ancestors")["ancestors"] == []


def test_user_lookups(fetcher):
    me = fetcher.get_current_user_info()
    by_name = fetcher.get_user_details_by_username("admin")
    assert by_name["userKey"] == me["userKey"]
    by_key = fetcher.get_user_details_by_userkey(me["userKey"])
    assert by_key["username"] == "admin"


def test_probes_of_unserved_endpoints_log_no_errors(fetcher, space_key, caplog):
    # get_page_children also asks for child folders (a Cloud feature). The 404 must carry
    # Confluence's JSON error body: otherwise atlassian-python-api logs
    # "ERROR - atlassian.confluence - Expecting value: line 1 column 1 (char 0)" on every call.
    parent = fetcher.create_page(space_key, "Probed", "x")
    fetcher.create_page(space_key, "Probed child", "x", parent_id=parent.id)
    with caplog.at_level("ERROR", logger="atlassian"):
        children = fetcher.get_page_children(parent.id)
        fetcher.get_page_content(parent.id)
    assert [c.title for c in children] == ["Probed child"]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("atlassian")] == []


def test_search_user_on_server(fetcher):
    found = fetcher.search_user('user.fullname ~ "adm"')
    assert [r.user.display_name for r in found] == ["admin"]
    assert fetcher.search_user('user.fullname ~ "nobody-like-this"') == []


def test_user_mentions_are_resolved(fetcher, server, space_key):
    key = server.api("GET", "/rest/api/user/current").json()["userKey"]
    body = (f'<p>Ask <ac:link><ri:user ri:userkey="{key}" /></ac:link> or '
            '<ac:link><ri:user ri:username="admin" /></ac:link>.</p>')
    created = server.api("POST", "/rest/api/content", json={
        "type": "page", "title": "Mentions", "space": {"key": space_key},
        "body": {"storage": {"value": body, "representation": "storage"}},
    }).json()
    content = fetcher.get_page_content(created["id"]).content
    assert content.count("@admin") == 2, content


def test_space_page_tree_over_several_batches(basic, server, space_key):
    # mcp-atlassian fetches the tree 200 pages at a time and follows _links.next.
    top = basic.create_page(space_key, "Big tree", "x")
    session = requests.Session()
    session.auth = server.auth
    for n in range(215):
        response = session.post(server.url + "/rest/api/content", timeout=30, json={
            "type": "page", "title": f"Leaf {n:03d}", "space": {"key": space_key}, "ancestors": [{"id": top.id}],
            "body": {"storage": {"value": "<p/>", "representation": "storage"}},
        })
        assert response.status_code == 200, response.text
    tree = basic.get_space_page_tree(space_key)
    assert tree["has_more"] is False
    assert tree["total_pages"] == 217  # home page, Big tree and its leaves
    leaves = [p for p in tree["pages"] if p["parent_id"] == top.id]
    assert [p["title"] for p in leaves] == [f"Leaf {n:03d}" for n in range(215)]
    assert all(p["depth"] == 1 for p in leaves)

    tail = basic.get_page_children(top.id, start=200, limit=50)
    assert [c.title for c in tail] == [f"Leaf {n:03d}" for n in range(200, 215)]


def test_attachments_upload_again_list_and_fetch(fetcher, server, space_key):
    page = fetcher.create_page(space_key, f"Files {fetcher.config.auth_type}", "Has files")
    first = fetcher.upload_attachment_from_content(page.id, "notes.txt", b"first version", comment="one")
    assert first["success"], first
    # The same name again: Cairn answers Confluence's "same file name" 400 and the client falls back
    # to a new version through /data.
    second = fetcher.upload_attachment_from_content(page.id, "notes.txt", b"second version!")
    assert second["success"], second

    listed = fetcher.get_content_attachments(page.id)
    attachments = listed.get("attachments") or listed.get("results") or []
    assert len(attachments) == 1, listed
    found = server.content(page.id, expand="children.attachment")["children"]["attachment"]["results"]
    assert [a["title"] for a in found] == ["notes.txt"]
    assert found[0]["extensions"]["fileSize"] == len(b"second version!")
    download = server.url + found[0]["_links"]["download"]
    assert fetcher.fetch_attachment_content(download) == b"second version!"


def test_search_finds_pages_by_text(fetcher, space_key):
    created = fetcher.create_page(space_key, f"Quokka notes {fetcher.config.auth_type}", "The quokka is a small marsupial.")
    results = fetcher.search(f'space = "{space_key}" AND text ~ "quokka"', limit=10)
    assert created.id in [result.id for result in results]


def test_page_restrictions_set_read_and_enforced(fetcher, server, space_key):
    page = fetcher.create_page(space_key, f"Restricted {fetcher.config.auth_type}", "Only for admins")
    assert fetcher.get_page_restrictions(page.id) == {
        "read": {"users": [], "groups": []}, "update": {"users": [], "groups": []}}
    fetcher.set_page_restrictions(page.id, read_users=["admin"], read_groups=["confluence-administrators"],
                                  edit_users=["admin"])
    assert fetcher.get_page_restrictions(page.id) == {
        "read": {"users": ["admin"], "groups": ["confluence-administrators"]},
        "update": {"users": ["admin"], "groups": []}}
    # The server holds to them: another user finds nothing, the page included.
    name = f"mcp-outsider-{fetcher.config.auth_type}"
    server.create_user(name, "outsider-password")
    outsider = (name, "outsider-password")
    assert server.api("GET", f"/rest/api/content/{page.id}", auth=outsider).status_code == 404
    found = server.api("GET", "/rest/api/search", auth=outsider,
                       params={"cql": f'space = "{space_key}" and title ~ "Restricted"'}).json()
    assert found["totalSize"] == 0
    # Empty lists lift every restriction.
    fetcher.set_page_restrictions(page.id)
    assert fetcher.get_page_restrictions(page.id)["read"] == {"users": [], "groups": []}
    assert server.api("GET", f"/rest/api/content/{page.id}", auth=outsider).status_code == 200
