"""What the page editor inserts besides text, in a real browser: emoticons, dates, links to pages
chosen by title, @mentions, images (file picker, drag and drop, paste) and pasted HTML or Markdown
cleaned by the server. Each test drives the editor with the keyboard and the toolbar, publishes,
and checks the storage format the server stored (through REST)."""

import base64
import datetime
import re
import struct
import zlib

from test_editor import AUTH, log_in, open_editor, page_id_of, rest, stored_storage, watch_console


def png_bytes(width=40, height=30, rgb=(200, 40, 40)):
    """A small valid PNG of one colour."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def edit_page(page, node, storage="<p>Start</p>", title="Insertions"):
    """Creates a page in space ENG, opens its editor and puts the cursor at the end of its text;
    returns the page id."""
    rest(page, node, "POST", "/rest/api/space", {"key": "ENG", "name": "Engineering"})
    page_id = rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": title, "space": {"key": "ENG"},
        "body": {"storage": {"value": storage, "representation": "storage"}},
    })["id"]
    page.goto(node.base_url + f"/pages/editpage.action?pageId={page_id}")
    surface = open_editor(page)
    surface.locator("p").last.click()
    page.keyboard.press("Control+End")
    return page_id


def publish(page, node, page_id):
    page.keyboard.press("Control+s")
    page.wait_for_url("**/viewpage.action?pageId=*")
    return stored_storage(page, node, page_id)


def attachment_names(page, node, page_id):
    listed = rest(page, node, "GET", f"/rest/api/content/{page_id}/child/attachment")
    return [attachment["title"] for attachment in listed["results"]]


def paste(page, data, files=()):
    """Pastes into the editor as the browser does: a paste event carrying `data` (type → text)
    and `files` ((name, type, bytes) each) on its clipboard."""
    page.evaluate("""([data, files]) => {
        const clipboard = new DataTransfer();
        for (const [type, value] of Object.entries(data)) clipboard.setData(type, value);
        for (const [name, type, base64] of files) {
            const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
            clipboard.items.add(new File([bytes], name, { type }));
        }
        const target = document.querySelector(".cairn-editor-surface .ProseMirror");
        target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
    }""", [data, [[name, kind, base64.b64encode(content).decode()] for name, kind, content in files]])


def test_emoticons_by_typing_the_picker_and_the_slash_menu(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    page_id = edit_page(page, node)
    # Confluence's shortcuts become emoticons as their last character is typed.
    page.keyboard.type(" :) ;) :D :P :( (y) (n) (i) (/) (x) (!) ")
    # The toolbar's picker takes the focus; arrows move through it, Enter chooses.
    page.click("button[aria-label='Insert emoticon']")
    picker = page.get_by_role("dialog", name="Emoticons")
    picker.wait_for()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Smile"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    assert picker.count() == 0, "choosing closes the picker"
    page.keyboard.type(" and ")
    page.keyboard.type("/emoticon")
    page.locator(".cairn-slash-menu").wait_for(state="visible")
    page.keyboard.press("Enter")
    page.get_by_role("dialog", name="Emoticons").get_by_role("button", name="Thumbs up").click()
    # Not an emoticon: a shortcut inside a word, and one in inline code.
    page.keyboard.type(" f(x) `:)` end")
    names = ["smile", "wink", "laugh", "cheeky", "sad", "thumbs-up", "thumbs-down", "information", "tick", "cross", "warning"]
    typed = " ".join(f'<ac:emoticon ac:name="{name}" />' for name in names)
    assert publish(page, node, page_id) == (
        f'<p>Start {typed} <ac:emoticon ac:name="cheeky" /> and <ac:emoticon ac:name="thumbs-up" />'
        " f(x) <code>:)</code> end</p>"
    )
    assert errors == []


def test_dates_from_the_slash_menu_the_toolbar_and_typing_two_slashes(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    page_id = edit_page(page, node)
    page.keyboard.type(" due /date")
    page.locator(".cairn-slash-menu").wait_for(state="visible")
    page.keyboard.press("Enter")
    # The date is inserted as today's, and its date input takes the focus.
    date_input = page.locator("input[aria-label='Date']")
    date_input.wait_for()
    page.wait_for_function("() => document.activeElement.getAttribute('aria-label') === 'Date'")
    today = datetime.date.today().isoformat()
    assert date_input.input_value() == today
    date_input.fill("2026-03-15")
    page.keyboard.press("Enter")
    # Enter goes back to the text, right after the date.
    page.keyboard.type(", reviewed ")
    page.click("button[aria-label='Insert date']")
    assert date_input.input_value() == today
    page.keyboard.press("Escape")
    page.keyboard.type(" and next //")
    page.wait_for_function("() => document.activeElement.getAttribute('aria-label') === 'Date'")
    date_input.fill("2027-01-02")
    page.keyboard.press("Enter")
    page.keyboard.type(" or later")
    # A click on a date selects it; its input changes it.
    page.locator(".cairn-date", has_text="2026-03-15").click()
    date_input.fill("2026-04-01")
    page.keyboard.press("Enter")
    assert publish(page, node, page_id) == (
        f'<p>Start due <time datetime="2026-04-01" />, reviewed <time datetime="{today}" />'
        ' and next <time datetime="2027-01-02" /> or later</p>'
    )
    assert errors == []


def test_links_to_pages_and_attachments_chosen_by_title(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    rest(page, node, "POST", "/rest/api/space", {"key": "OPS", "name": "Operations"})
    rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": "Deployment runbook", "space": {"key": "OPS"},
        "body": {"storage": {"value": "<p>steps</p>", "representation": "storage"}}})
    page_id = edit_page(page, node, title="Release plan")
    rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": "Release notes", "space": {"key": "ENG"},
        "body": {"storage": {"value": "<p>notes</p>", "representation": "storage"}}})
    uploaded = page.request.post(node.base_url + f"/rest/api/content/{page_id}/child/attachment",
                                 headers={**AUTH, "X-Atlassian-Token": "no-check"},
                                 multipart={"file": {"name": "spec.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}})
    assert uploaded.ok, uploaded.text()

    dialog = page.get_by_role("dialog", name="Insert link")
    target = dialog.get_by_role("combobox", name="Link to")
    # A page of this space: its space is left out of the link.
    page.keyboard.type(" see ")
    page.keyboard.press("Control+k")
    target.wait_for()
    page.keyboard.type("notes")
    dialog.get_by_role("option", name="Release notes — Engineering").wait_for()
    page.keyboard.press("Enter")
    assert target.input_value() == "Release notes"
    page.keyboard.press("Enter")
    assert dialog.count() == 0
    # A page of another space, with link text of its own.
    page.keyboard.type(" and ")
    page.keyboard.press("Control+k")
    page.keyboard.type("runbook")
    dialog.get_by_role("option", name="Deployment runbook — Operations").wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("how to deploy")
    page.keyboard.press("Enter")
    # An attachment of this page.
    page.keyboard.type(", ")
    page.keyboard.press("Control+k")
    page.keyboard.type("spec")
    dialog.get_by_role("option", name="spec.pdf — attachment").wait_for()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    # A web address is a plain link.
    page.keyboard.type(" or ")
    page.keyboard.press("Control+k")
    page.keyboard.type("https://example.com/ci")
    page.keyboard.press("Tab")
    page.keyboard.type("the CI")
    page.keyboard.press("Enter")
    assert publish(page, node, page_id) == (
        '<p>Start see <ac:link><ri:page ri:content-title="Release notes" /></ac:link> and '
        '<ac:link><ri:page ri:space-key="OPS" ri:content-title="Deployment runbook" />'
        "<ac:plain-text-link-body><![CDATA[how to deploy]]></ac:plain-text-link-body></ac:link>, "
        '<ac:link><ri:attachment ri:filename="spec.pdf" /></ac:link> or <a href="https://example.com/ci">the CI</a></p>'
    )
    assert errors == []


def test_mentions_chosen_from_suggestions(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    jane = rest(page, node, "POST", "/rest/api/admin/user", {
        "userName": "jdoe", "fullName": "Jane Doe", "email": "jane@example.com", "password": "jane-password-1"})
    rest(page, node, "POST", "/rest/api/admin/user", {
        "userName": "jsmith", "fullName": "Jan Smith", "email": "jan@example.com", "password": "jan-password-1"})
    page_id = edit_page(page, node)
    suggestions = page.get_by_role("listbox", name="People to mention")
    # Escape closes the list, and it stays closed while the word goes on.
    page.keyboard.type(" mail@ja or @jan")
    suggestions.wait_for()
    page.keyboard.press("Escape")
    page.keyboard.type("e")
    page.wait_for_timeout(300)
    assert suggestions.is_hidden()
    page.keyboard.type(", ask @jane")
    suggestions.get_by_role("option", name="Jane Doe (jdoe)").wait_for()
    assert suggestions.get_by_role("option").count() == 1
    page.keyboard.press("Enter")
    page.keyboard.type("to review, and @ja")
    suggestions.get_by_role("option", name="Jan Smith (jsmith)").wait_for()
    page.keyboard.press("ArrowDown")
    selected = suggestions.locator("[aria-selected=true]").inner_text()
    page.keyboard.press("Tab")
    assert suggestions.is_hidden()
    chosen = "jsmith" if "jsmith" in selected else "jdoe"
    other_key = rest(page, node, "GET", f"/rest/api/user?username={chosen}")["userKey"]
    assert publish(page, node, page_id) == (
        f'<p>Start mail@ja or @jane, ask <ac:link><ri:user ri:userkey="{jane["userKey"]}" /></ac:link> to review, and '
        f'<ac:link><ri:user ri:userkey="{other_key}" /></ac:link> </p>'
    )
    assert errors == []


def test_an_image_chosen_with_the_file_picker_is_attached_resized_and_aligned(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    page_id = edit_page(page, node)
    with page.expect_file_chooser() as chooser:
        page.click("button[aria-label='Insert image']")
    chooser.value.set_files([{"name": "photo.png", "mimeType": "image/png", "buffer": png_bytes()}])
    image = page.locator(".ProseMirror img.cairn-image")
    image.wait_for()
    page.wait_for_function("() => document.querySelector('.ProseMirror img.cairn-image').naturalWidth === 40")
    assert "attached" in page.locator(".cairn-editor-status").inner_text()
    # The new image is selected: its controls are shown.
    width = page.locator("input[aria-label='Image width in pixels']")
    width.fill("120")
    page.keyboard.press("Enter")
    page.keyboard.type(" after")
    image.click()
    page.click("button[aria-label='Align image center']")
    assert page.get_attribute("button[aria-label='Align image center']", "aria-pressed") == "true"
    # An image by its web address.
    page.keyboard.press("Control+End")
    page.click("button[aria-label='Image from a web address']")
    dialog = page.get_by_role("dialog", name="Image from a web address")
    address = f"{node.base_url}/download/attachments/{page_id}/photo.png"
    dialog.get_by_label("Image address").fill(address)
    dialog.get_by_label("Alternative text").fill("the same photo")
    page.keyboard.press("Enter")
    assert publish(page, node, page_id) == (
        '<p>Start<ac:image ac:align="center" ac:width="120"><ri:attachment ri:filename="photo.png" /></ac:image> after'
        f'<ac:image ac:alt="the same photo"><ri:url ri:value="{address}" /></ac:image></p>'
    )
    assert attachment_names(page, node, page_id) == ["photo.png"]
    assert errors == []


def test_an_image_for_a_page_not_saved_yet(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    rest(page, node, "POST", "/rest/api/space", {"key": "ENG", "name": "Engineering"})
    page.goto(node.base_url + "/pages/createpage.action?spaceKey=ENG")
    surface = open_editor(page)
    page.fill("#title", "Not saved yet")
    surface.click()
    page.keyboard.type("Intro")
    with page.expect_file_chooser() as chooser:
        page.click("button[aria-label='Insert image']")
    chooser.value.set_files([{"name": "early.png", "mimeType": "image/png", "buffer": png_bytes()}])
    status = page.locator(".cairn-editor-status")
    image = page.locator(".ProseMirror img.cairn-image")
    page.wait_for_function("""() => document.querySelector(".ProseMirror img.cairn-image")
        || /Save the page once|could not be attached/.test(document.querySelector(".cairn-editor-status").textContent)""")
    assert "could not be attached" not in status.inner_text(), "the new page's draft refused the image: " + status.inner_text()
    if image.count() == 0:
        # No draft of the new page to attach to: the person is told, in words, what to do.
        assert "Save the page once before adding images" in status.inner_text()
        page.keyboard.press("Control+s")
        page.wait_for_url("**/viewpage.action?pageId=*")
        assert stored_storage(page, node, page_id_of(page)) == "<p>Intro</p>"
    else:
        # The form's draft autosave gave the new page an id: the image is attached to it.
        page.keyboard.press("Control+s")
        page.wait_for_url("**/viewpage.action?pageId=*")
        assert stored_storage(page, node, page_id_of(page)) == (
            '<p>Intro<ac:image><ri:attachment ri:filename="early.png" /></ac:image></p>')
        assert attachment_names(page, node, page_id_of(page)) == ["early.png"]
    assert errors == []


def test_files_dropped_on_the_editor_are_attached_where_they_were_dropped(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    page_id = edit_page(page, node, storage="<p>First</p><p>Second</p>")
    box = page.locator(".ProseMirror p", has_text="First").bounding_box()
    page.evaluate("""([x, y, base64]) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
        transfer.items.add(new File(["%PDF-1.4"], "notes.pdf", { type: "application/pdf" }));
        const target = document.elementFromPoint(x, y);
        for (const type of ["dragenter", "dragover", "drop"]) {
            target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, clientX: x, clientY: y, bubbles: true, cancelable: true }));
        }
    }""", [box["x"] + box["width"] - 1, box["y"] + box["height"] / 2, base64.b64encode(png_bytes()).decode()])
    page.locator(".ProseMirror img.cairn-image").wait_for()
    page.locator(".ProseMirror .cairn-page-link", has_text="notes.pdf").wait_for()
    assert publish(page, node, page_id) == (
        '<p>First<ac:image><ri:attachment ri:filename="dropped.png" /></ac:image>'
        '<ac:link><ri:attachment ri:filename="notes.pdf" /></ac:link></p><p>Second</p>'
    )
    assert sorted(attachment_names(page, node, page_id)) == ["dropped.png", "notes.pdf"]
    assert errors == []


def test_a_pasted_image_is_attached_under_a_name_of_its_own(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    page_id = edit_page(page, node)
    paste(page, {}, [("image.png", "image/png", png_bytes())])
    page.locator(".ProseMirror img.cairn-image").wait_for()
    page.keyboard.press("ArrowRight")
    paste(page, {"text/html": "<img src='https://example.com/x.png'>"}, [("image.png", "image/png", png_bytes(8, 8))])
    page.locator(".ProseMirror img.cairn-image").nth(1).wait_for()
    names = attachment_names(page, node, page_id)
    assert len(names) == 2 and names[0] != names[1]
    assert all(re.fullmatch(r"image-\d{4}(-\d\d){5}-\d{3}\.png", name) for name in names), names
    storage = publish(page, node, page_id)
    images = re.findall(r'<ac:image><ri:attachment ri:filename="([^"]+)" /></ac:image>', storage)
    assert sorted(images) == sorted(names)
    assert storage.startswith("<p>Start<ac:image>")
    assert errors == []


WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal {margin:0cm}</style></head>
<body lang=EN-GB style='tab-interval:36.0pt'><!--StartFragment-->
<h2 style='mso-margin-top-alt:auto;mso-outline-level:2'><span style='mso-fareast-font-family:"Times New Roman"'>Quarterly plan<o:p></o:p></span></h2>
<p class=MsoNormal style='mso-pagination:widow-orphan'><b style='mso-bidi-font-weight:normal'>Ship</b> the <i>new</i> importer<o:p></o:p></p>
<ul style='margin-top:0cm' type=disc>
<li class=MsoNormal style='mso-list:l0 level1 lfo1'>one<o:p></o:p></li>
<li class=MsoNormal style='mso-list:l0 level1 lfo1'>two<o:p></o:p></li>
</ul><!--EndFragment--></body></html>"""

GOOGLE_DOCS_HTML = (
    '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1a2b">'
    '<p dir="ltr" style="line-height:1.38;margin-top:0pt"><span style="font-size:11pt;font-weight:700">Owner</span>'
    '<span style="font-size:11pt;font-weight:400">: the </span><span style="font-style:italic">ops</span>'
    '<span style="font-size:11pt;font-weight:400"> team</span></p></b>'
)


def test_html_pasted_from_office_suites_is_cleaned_by_the_server(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/editor/paste" in request.url else None)
    page_id = edit_page(page, node, storage="<p>Start</p><p></p>")
    page.locator(".ProseMirror p").last.click()
    paste(page, {"text/html": WORD_HTML, "text/plain": "Quarterly plan\nShip the new importer\none\ntwo"})
    page.locator(".ProseMirror h2", has_text="Quarterly plan").wait_for()
    page.locator(".ProseMirror li", has_text="two").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    paste(page, {"text/html": GOOGLE_DOCS_HTML, "text/plain": "Owner: the ops team"})
    page.locator(".ProseMirror p", has_text="Owner").wait_for()
    assert len(asked) == 2
    # Copy and paste within the editor keeps ProseMirror's own handling: no server round trip.
    page.keyboard.press("End")
    paste(page, {"text/html": '<p data-pm-slice="1 1 []"><strong> again</strong></p>', "text/plain": " again"})
    page.locator(".ProseMirror strong", has_text="again").wait_for()
    assert len(asked) == 2
    assert publish(page, node, page_id) == (
        "<p>Start</p><h2>Quarterly plan</h2><p><strong>Ship</strong> the <em>new</em> importer</p>"
        "<ul><li>one</li><li>two</li></ul>"
        "<p><strong>Owner</strong>: the <em>ops</em> team<strong> again</strong></p>"
    )
    assert errors == []


def test_markdown_pasted_as_plain_text_becomes_formatted(node, browser):
    context = browser.new_context()
    page = log_in(context, node)
    errors = watch_console(page)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/editor/paste" in request.url else None)
    page_id = edit_page(page, node, storage="<p>Start</p><p></p>")
    page.locator(".ProseMirror p").last.click()
    markdown = ("## Steps\n\nSome **bold** words\n\n- one\n- two\n\n```bash\nmake\n```\n\n"
                "See [the docs](https://example.com/docs)\n")
    paste(page, {"text/plain": markdown})
    page.locator(".ProseMirror h2", has_text="Steps").wait_for()
    assert len(asked) == 1
    # Text that is not Markdown is pasted as it is, without asking the server.
    page.locator(".ProseMirror p", has_text="Some").click()
    page.keyboard.press("End")
    paste(page, {"text/plain": " (plain * text)"})
    page.locator(".ProseMirror p", has_text="plain * text").wait_for()
    assert len(asked) == 1
    assert publish(page, node, page_id) == (
        "<p>Start</p><h2>Steps</h2><p>Some <strong>bold</strong> words (plain * text)</p><ul><li>one</li><li>two</li></ul>"
        '<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter>'
        "<ac:plain-text-body><![CDATA[make]]></ac:plain-text-body></ac:structured-macro>"
        '<p>See <a href="https://example.com/docs">the docs</a></p>'
    )
    assert errors == []
