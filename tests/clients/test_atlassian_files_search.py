"""atlassian-python-api (4.x and 5.x) with attachments and CQL search, against a real Cairn."""

from importlib.metadata import version as installed_version

import pytest
from atlassian import Confluence

MAJOR = int(installed_version("atlassian-python-api").split(".")[0])


@pytest.fixture(scope="module")
def confluence(server):
    return Confluence(url=server.url, username="admin", password="admin-password", timeout=60)


def new_page(confluence, space_key, title, body="<p>body</p>", parent_id=None):
    created = confluence.create_page(space_key, title, body, parent_id=parent_id, representation="storage")
    return created["id"]


def attachment_list(confluence, page_id, **kwargs):
    listed = confluence.get_attachments_from_content(page_id, **kwargs)
    # 5.x may return the result page or the list of results depending on the call.
    return listed["results"] if isinstance(listed, dict) else listed


def test_attach_content_creates_then_versions(confluence, space_key):
    page_id = new_page(confluence, space_key, "Files page")
    first = confluence.attach_content(b"first bytes", name="report.txt", content_type="text/plain", page_id=page_id, comment="one")
    uploaded = first["results"][0] if "results" in first else first
    assert uploaded["title"] == "report.txt"
    assert uploaded["version"]["number"] == 1

    # The library looks the name up and posts to /data: a second version of the same attachment.
    second = confluence.attach_content(b"second, longer bytes", name="report.txt", content_type="text/plain", page_id=page_id)
    updated = second["results"][0] if "results" in second else second
    assert updated["id"] == uploaded["id"]
    assert updated["version"]["number"] == 2

    listed = attachment_list(confluence, page_id, filename="report.txt", expand="version")
    assert len(listed) == 1
    assert listed[0]["extensions"]["fileSize"] == len(b"second, longer bytes")
    assert listed[0]["version"]["number"] == 2

    download = listed[0]["_links"]["download"]
    raw = confluence.get(download, not_json_response=True)
    assert raw == b"second, longer bytes"
    old = confluence.get(f"download/attachments/{page_id}/report.txt", params={"version": 1}, not_json_response=True)
    assert old == b"first bytes"


def test_attach_file_from_disk_and_delete(confluence, space_key, tmp_path):
    page_id = new_page(confluence, space_key, "Disk files")
    picture = tmp_path / "diagram.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    confluence.attach_file(str(picture), page_id=page_id, comment="a diagram")
    listed = attachment_list(confluence, page_id)
    assert [a["title"] for a in listed] == ["diagram.png"]
    assert listed[0]["metadata"]["mediaType"] == "image/png"

    confluence.remove_content(listed[0]["id"]) if hasattr(confluence, "remove_content") else confluence.delete(f"rest/api/content/{listed[0]['id']}")
    assert attachment_list(confluence, page_id) == []


def test_cql_finds_pages_by_label_and_text(confluence, space_key):
    tagged = new_page(confluence, space_key, "Tagged runbook", "<p>restart the frobnicator safely</p>")
    new_page(confluence, space_key, "Untagged note", "<p>nothing to see</p>")
    confluence.set_page_label(tagged, "ops-runbook")

    found = confluence.cql(f'space = "{space_key}" AND label = "ops-runbook"')
    assert [r["content"]["id"] for r in found["results"]] == [tagged]
    assert found["totalSize"] == 1

    by_text = confluence.cql(f'space = "{space_key}" AND text ~ "frobnicator"', expand="content.version")
    assert [r["title"] for r in by_text["results"]] == ["Tagged runbook"]
    assert "@@@hl@@@frobnicator@@@endhl@@@" in by_text["results"][0]["excerpt"]

    labelled = confluence.get_all_pages_by_label("ops-runbook")
    ids = [page["id"] for page in (labelled["results"] if isinstance(labelled, dict) else labelled)]
    assert ids == [tagged]


def test_bad_cql_is_refused(confluence):
    # 4.x wraps the 400 in ApiValueError("The query cannot be parsed"); 5.x raises the HTTPError.
    with pytest.raises(Exception) as raised:
        confluence.cql("type = = page")
    error = raised.value
    response = getattr(error, "response", None) or getattr(getattr(error, "reason", None), "response", None)
    assert response is not None and response.status_code == 400, repr(error)
    assert "Could not parse cql" in response.json()["message"]


def test_page_exports_as_pdf(confluence, space_key):
    page_id = new_page(confluence, space_key, "Printable", "<h1>Printable heading</h1><p>Some text.</p>")
    pdf = confluence.get_page_as_pdf(page_id)
    assert pdf[:5] == b"%PDF-"
    assert b"(Printable heading)" in pdf


def test_delete_attachment_by_page_and_name(confluence, space_key):
    page_id = new_page(confluence, space_key, "Files to remove")
    for body in (b"v1", b"v2 bytes", b"v3 longer bytes"):
        confluence.attach_content(body, name="old.txt", content_type="text/plain", page_id=page_id)
    # One version, then the whole attachment, through /json/removeattachment.action.
    if MAJOR >= 5:
        confluence.delete_attachment(page_id, filename="old.txt", version=1)
    else:
        confluence.delete_attachment(page_id, "old.txt", version=1)
    listed = attachment_list(confluence, page_id, expand="version")
    history = confluence.get(f"rest/experimental/content/{listed[0]['id']}/version")["results"]
    assert [v["number"] for v in history] == [3, 2]
    if MAJOR >= 5:
        confluence.delete_attachment(page_id, filename="old.txt")
    else:
        confluence.delete_attachment(page_id, "old.txt")
    assert attachment_list(confluence, page_id) == []
