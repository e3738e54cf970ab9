"""md2cf's command line publishing Markdown into a real Cairn.

md2cf's `--host` includes `/rest/api`. Local images are uploaded as attachments; front-matter labels
are set through `metadata.labels`.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

MD2CF = str(Path(sys.executable).with_name("md2cf"))
HASH_MESSAGE = re.compile(r"\[v[a-f0-9]{40}]$")


def md2cf(server, *args, token=None, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLUENCE_")}
    env.update(NO_COLOR="1", TERM="dumb", COLUMNS="200")
    login = ["--token", token] if token else ["-u", "admin", "-p", "admin-password"]
    command = [MD2CF, "--host", server.url + "/rest/api", *login, "--output", "minimal", "--max-retries", "1", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    if check:
        assert result.returncode == 0, f"md2cf {args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def page(server, space, title, expand="body.storage,version,ancestors"):
    found = server.find(space, title, expand=expand)
    assert len(found) == 1, f"expected one page titled {title!r} in {space}, found {found}"
    return found[0]


@pytest.fixture
def docs(tmp_path):
    root = tmp_path / "docs"
    (root / "guide").mkdir(parents=True)
    (root / "alpha.md").write_text("# Alpha\n\nFirst *page*.\n\n- one\n- two\n")
    (root / "beta.md").write_text("# Beta\n\nSecond page with `code`.\n")
    (root / "guide" / "gamma.md").write_text("# Gamma\n\nNested page.\n")
    return root


def test_publish_directory_creates_pages(server, space_key, docs):
    result = md2cf(server, "-s", space_key, "--only-changed", str(docs))

    alpha = page(server, space_key, "Alpha")
    assert alpha["version"]["number"] == 1
    assert "<em>page</em>" in alpha["body"]["storage"]["value"]
    assert "<li>two</li>" in alpha["body"]["storage"]["value"]
    assert HASH_MESSAGE.search(alpha["version"]["message"])
    assert alpha["ancestors"] == []

    beta = page(server, space_key, "Beta")
    assert "<code>code</code>" in beta["body"]["storage"]["value"]

    # The directory becomes a page of its own, parent of the file in it.
    guide = page(server, space_key, "guide")
    gamma = page(server, space_key, "Gamma")
    assert [a["id"] for a in gamma["ancestors"]] == [guide["id"]]

    # md2cf prints `_links.base + _links.webui` of each page.
    assert f"{server.url}/display/{space_key}/Alpha" in result.stdout
    assert f"{server.url}/display/{space_key}/Gamma" in result.stdout


def test_only_changed_skips_unchanged_and_updates_changed(server, space_key, docs):
    md2cf(server, "-s", space_key, "--only-changed", str(docs))
    before = {t: page(server, space_key, t) for t in ("Alpha", "Beta", "Gamma", "guide")}

    md2cf(server, "-s", space_key, "--only-changed", str(docs))
    for title, old in before.items():
        again = page(server, space_key, title)
        assert again["id"] == old["id"]
        assert again["version"]["number"] == 1, f"{title} got a new version although nothing changed"

    (docs / "beta.md").write_text("# Beta\n\nSecond page, edited.\n")
    md2cf(server, "-s", space_key, "--only-changed", str(docs))
    beta = page(server, space_key, "Beta")
    assert beta["id"] == before["Beta"]["id"]
    assert beta["version"]["number"] == 2
    assert "Second page, edited." in beta["body"]["storage"]["value"]
    assert HASH_MESSAGE.search(beta["version"]["message"])
    assert beta["version"]["message"] != before["Beta"]["version"]["message"]
    assert page(server, space_key, "Alpha")["version"]["number"] == 1
    assert page(server, space_key, "Gamma")["version"]["number"] == 1


def test_republish_without_only_changed_creates_versions(server, space_key, tmp_path):
    doc = tmp_path / "solo.md"
    doc.write_text("# Solo\n\nBody one.\n")
    md2cf(server, "-s", space_key, "-m", "first import", str(doc))
    first = page(server, space_key, "Solo")
    assert first["version"]["message"] == "first import"

    doc.write_text("# Solo\n\nBody two.\n")
    md2cf(server, "-s", space_key, "-m", "second import", "--minor-edit", str(doc))
    second = page(server, space_key, "Solo")
    assert second["id"] == first["id"]
    assert second["version"]["number"] == 2
    assert second["version"]["message"] == "second import"
    assert second["version"]["minorEdit"] is True
    assert "Body two." in second["body"]["storage"]["value"]


def test_parent_title_and_parent_id(server, space_key, tmp_path):
    home_title = f"Space {space_key} Home"
    doc = tmp_path / "under-home.md"
    doc.write_text("# Under home\n\ntext\n")
    md2cf(server, "-s", space_key, "-a", home_title, str(doc))
    home = page(server, space_key, home_title)
    child = page(server, space_key, "Under home")
    assert [a["id"] for a in child["ancestors"]] == [home["id"]]

    other = tmp_path / "under-child.md"
    other.write_text("# Grandchild\n\ntext\n")
    md2cf(server, "-s", space_key, "-A", child["id"], str(other))
    grandchild = page(server, space_key, "Grandchild")
    assert [a["id"] for a in grandchild["ancestors"]] == [home["id"], child["id"]]


def test_title_and_page_id_options(server, space_key, tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("Plain text without a heading.\n")
    md2cf(server, "-s", space_key, "-t", "Explicit Title", str(doc))
    created = page(server, space_key, "Explicit Title")

    doc.write_text("Changed text.\n")
    md2cf(server, "-s", space_key, "-i", created["id"], "-t", "Explicit Title", str(doc))
    updated = page(server, space_key, "Explicit Title")
    assert updated["id"] == created["id"]
    assert updated["version"]["number"] == 2
    assert "Changed text." in updated["body"]["storage"]["value"]


def test_relative_links_point_at_published_pages(server, space_key, tmp_path):
    root = tmp_path / "linked"
    root.mkdir()
    (root / "one.md").write_text("# One\n\nSee [two](two.md).\n")
    (root / "two.md").write_text("# Two\n\nBack to [one](one.md).\n")
    md2cf(server, "-s", space_key, "--enable-relative-links", str(root / "one.md"), str(root / "two.md"))
    one = page(server, space_key, "One")
    two = page(server, space_key, "Two")
    assert f'href="{server.url}/display/{space_key}/Two"' in one["body"]["storage"]["value"]
    assert f'href="{server.url}/display/{space_key}/One"' in two["body"]["storage"]["value"]


def test_token_login(server, space_key, tmp_path):
    token = server.create_token("md2cf")
    doc = tmp_path / "tok.md"
    doc.write_text("# With token\n\nhello\n")
    md2cf(server, "-s", space_key, "--only-changed", str(doc), token=token)
    created = page(server, space_key, "With token", expand="version,history")
    assert created["history"]["createdBy"]["username"] == "admin"

    md2cf(server, "-s", space_key, "--only-changed", str(doc), token=token)
    assert page(server, space_key, "With token")["version"]["number"] == 1
    doc.write_text("# With token\n\nhello again\n")
    md2cf(server, "-s", space_key, "--only-changed", str(doc), token=token)
    assert page(server, space_key, "With token")["version"]["number"] == 2


def test_bad_credentials_fail(server, space_key, tmp_path):
    doc = tmp_path / "nope.md"
    doc.write_text("# Nope\n\nx\n")
    result = md2cf(server, "-s", space_key, str(doc), token="not-a-token", check=False)
    assert result.returncode != 0
    assert server.find(space_key, "Nope") == []


def test_blog_post_round_trip(server, space_key, tmp_path):
    doc = tmp_path / "post.md"
    doc.write_text("# Weekly\n\nBlog body.\n")
    md2cf(server, "-s", space_key, "-c", "blogpost", "--only-changed", str(doc))
    posts = server.find(space_key, "Weekly", type="blogpost", expand="body.storage,version")
    assert len(posts) == 1
    assert posts[0]["type"] == "blogpost"
    assert "Blog body." in posts[0]["body"]["storage"]["value"]

    md2cf(server, "-s", space_key, "-c", "blogpost", "--only-changed", str(doc))
    again = server.find(space_key, "Weekly", type="blogpost", expand="version")
    assert [p["version"]["number"] for p in again] == [1]


def test_special_characters_in_titles(server, space_key, tmp_path):
    doc = tmp_path / "special.md"
    # md2cf takes the title from the rendered heading, so "&" would arrive as "&amp;"; leave it out.
    doc.write_text("# Grüße 😀 Q: 50% off / now? #1\n\nÜnïcödé body 😀 & more.\n")
    result = md2cf(server, "-s", space_key, "--only-changed", str(doc))
    title = "Grüße 😀 Q: 50% off / now? #1"
    created = page(server, space_key, title)
    assert "Ünïcödé body 😀 &amp; more." in created["body"]["storage"]["value"]
    assert server.url + created["_links"]["webui"] in result.stdout

    md2cf(server, "-s", space_key, "--only-changed", str(doc))
    assert page(server, space_key, title)["version"]["number"] == 1


def linked_docs(tmp_path, target_title):
    root = tmp_path / "linked"
    root.mkdir()
    (root / "index.md").write_text("# Index\n\nRead [the tips](tips.md).\n")
    (root / "tips.md").write_text(f"# {target_title}\n\nSome tips.\n")
    return root


def follow_link(server, space_key, target_title):
    """The href md2cf wrote into Index must open the target page in the web UI."""
    index = page(server, space_key, "Index")
    href = re.search(r'href="([^"]+)"', index["body"]["storage"]["value"]).group(1)
    assert href.startswith(server.url + "/")
    response = server.api("GET", href[len(server.url):], allow_redirects=True)
    assert response.status_code == 200, f"{href} answered {response.status_code}"
    assert target_title in response.text


def test_relative_link_to_title_with_punctuation_opens(server, space_key, tmp_path):
    root = linked_docs(tmp_path, "Tips: Q / 50% #1 ~ [x]")
    md2cf(server, "-s", space_key, "--enable-relative-links", str(root / "index.md"), str(root / "tips.md"))
    follow_link(server, space_key, "Tips: Q / 50% #1 ~ [x]")


def test_relative_link_to_title_with_plus_opens(server, space_key, tmp_path):
    root = linked_docs(tmp_path, "C++ tips")
    md2cf(server, "-s", space_key, "--enable-relative-links", str(root / "index.md"), str(root / "tips.md"))
    follow_link(server, space_key, "C++ tips")


def test_prefix_and_beautified_folders(server, space_key, docs):
    md2cf(server, "-s", space_key, "--prefix", "Docs", "--beautify-folders", str(docs))  # joined with " - "
    folder = page(server, space_key, "Docs - Guide")
    gamma = page(server, space_key, "Docs - Gamma")
    assert [a["id"] for a in gamma["ancestors"]] == [folder["id"]]
    assert page(server, space_key, "Docs - Alpha")["ancestors"] == []


def labels_of(server, space_key, title):
    found = page(server, space_key, title, expand="metadata.labels,version")
    return sorted(label["name"] for label in found["metadata"]["labels"]["results"]), found["version"]["number"]


def write_labelled(path, labels, body="body one"):
    front = "".join(f"  - {label}\n" for label in labels)
    path.write_text(f"---\nlabels:\n{front}---\n# Labelled doc\n\n{body}\n")


def test_front_matter_labels_on_create(server, space_key, tmp_path):
    doc = tmp_path / "labelled.md"
    write_labelled(doc, ["alpha", "beta"])
    md2cf(server, "-s", space_key, "--only-changed", str(doc))
    assert labels_of(server, space_key, "Labelled doc") == (["alpha", "beta"], 1)

    md2cf(server, "-s", space_key, "--only-changed", str(doc))
    assert labels_of(server, space_key, "Labelled doc") == (["alpha", "beta"], 1)

    md2cf(server, "-s", space_key, "--only-changed", "--replace-all-labels", str(doc))
    assert labels_of(server, space_key, "Labelled doc") == (["alpha", "beta"], 1)


def test_replace_all_labels(server, space_key, tmp_path):
    doc = tmp_path / "labelled.md"
    write_labelled(doc, ["alpha", "beta"])
    md2cf(server, "-s", space_key, "--only-changed", str(doc))

    write_labelled(doc, ["beta", "gamma"])
    md2cf(server, "-s", space_key, "--only-changed", "--replace-all-labels", str(doc))
    assert labels_of(server, space_key, "Labelled doc") == (["beta", "gamma"], 2)

    # Nothing changed since: no new version.
    md2cf(server, "-s", space_key, "--only-changed", "--replace-all-labels", str(doc))
    assert labels_of(server, space_key, "Labelled doc") == (["beta", "gamma"], 2)


def test_local_images_are_uploaded_as_attachments(server, space_key, tmp_path):
    docs = tmp_path / "imgdocs"
    docs.mkdir()
    picture = docs / "diagram.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (docs / "pictures.md").write_text("# Pictures\n\nSee ![the diagram](diagram.png) here.\n")
    md2cf(server, "-s", space_key, str(docs / "pictures.md"))

    published = page(server, space_key, "Pictures", expand="body.storage,children.attachment")
    body = published["body"]["storage"]["value"]
    assert '<ri:attachment ri:filename="diagram.png"' in body, body
    attachments = published["children"]["attachment"]["results"]
    assert [a["title"] for a in attachments] == ["diagram.png"]
    assert attachments[0]["extensions"]["fileSize"] == picture.stat().st_size

    # Publishing again keeps one attachment (md2cf compares sizes and skips or adds a version).
    md2cf(server, "-s", space_key, str(docs / "pictures.md"))
    again = page(server, space_key, "Pictures", expand="children.attachment")
    assert [a["title"] for a in again["children"]["attachment"]["results"]] == ["diagram.png"]
