"""Every toolbar feature of the page editor not covered by test_editor.py and
test_editor_insertions.py, driven by its toolbar button and, where it has one, its keyboard shortcut;
each checked in the storage the server keeps (through REST). The macro forms (status, anchor, code
block, panels, expand, table of contents, child pages) insert a macro with its parameters, Cancel
or Escape inserts nothing, and the same forms edit a macro already on the page."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import Node
from test_editor import log_in, open_editor, page_id_of, rest, stored_storage, watch_console


@pytest.fixture(scope="module")
def server():
    running = Node()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def session(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = log_in(context, server)
    rest(page, server, "POST", "/rest/api/space", {"key": "FEAT", "name": "Features"})
    yield page
    context.close()


def new_page(page, node, title):
    page.goto(node.base_url + "/pages/createpage.action?spaceKey=FEAT")
    surface = open_editor(page)
    page.fill("#title", title)
    surface.click()
    return surface


def publish(page, node):
    page.click("main form button[type=submit]")
    page.wait_for_url("**/viewpage.action?pageId=*")
    return stored_storage(page, node, page_id_of(page))


def button(page, name):
    return page.locator(f".cairn-toolbar button[aria-label='{name}']")


def select_word_before_cursor(page):
    page.keyboard.press("Control+Shift+ArrowLeft")


def editor_has_focus(page):
    """True once the editor has the focus back (it takes it on the next animation frame); false if
    it does not within 5 s."""
    try:
        page.wait_for_function("() => document.activeElement.classList.contains('ProseMirror')", timeout=5000)
        return True
    except PlaywrightTimeout:
        return False


def test_headings_and_text_marks_from_the_toolbar_and_the_keyboard(server, session):
    page = session
    errors = watch_console(page)
    new_page(page, server, "Text styles")
    for level in range(1, 7):
        page.select_option("select[aria-label='Text style']", f"h{level}")
        # The editor takes focus back on the next animation frame: type only once it has it.
        page.wait_for_function("() => document.activeElement.classList.contains('ProseMirror')")
        page.keyboard.type(f"Menu {level}")
        page.keyboard.press("Enter")
    for level in range(1, 7):
        page.keyboard.press(f"Control+Alt+{level}")
        # The shortcut turned the new empty line into a heading of that level before typing on.
        page.wait_for_function(f"() => document.querySelectorAll('.ProseMirror h{level}').length === 2")
        page.keyboard.type(f"Keys {level}")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('.ProseMirror').lastElementChild.tagName === 'P'")

    marks = [("Bold (Ctrl+B)", "Control+b"), ("Italic (Ctrl+I)", "Control+i"), ("Underline (Ctrl+U)", "Control+u"),
             ("Strikethrough (Ctrl+Shift+S)", "Control+Shift+S"), ("Inline code (Ctrl+E)", "Control+e"),
             ("Subscript (Ctrl+,)", "Control+Comma"), ("Superscript (Ctrl+.)", "Control+Period")]
    for index, (name, _) in enumerate(marks):
        button(page, name).click()
        page.keyboard.type(f"b{index}")
        button(page, name).click()
        page.keyboard.type(" ")
    page.keyboard.type("end")
    page.keyboard.press("Enter")
    for index, (_, keys) in enumerate(marks):
        page.keyboard.press(keys)
        page.keyboard.type(f"k{index}")
        page.keyboard.press(keys)
        page.keyboard.type(" ")
    page.keyboard.type("end")
    page.keyboard.press("Enter")

    # A word coloured and its colour removed; another coloured.
    page.keyboard.type("plain red back")
    select_word_before_cursor(page)
    page.fill("input[aria-label='Text colour']", "#0052cc")
    page.wait_for_function("() => document.activeElement.classList.contains('ProseMirror')")
    assert page.locator(".ProseMirror span[style*='color']").count() == 1
    button(page, "Remove text colour").click()
    page.wait_for_function("() => document.querySelectorAll('.ProseMirror span[style*=color]').length === 0"
                           " && document.activeElement.classList.contains('ProseMirror')")
    page.keyboard.press("End")
    page.keyboard.press("Control+ArrowLeft")
    page.keyboard.press("ArrowLeft")
    select_word_before_cursor(page)
    page.fill("input[aria-label='Text colour']", "#bf2600")
    page.wait_for_function("() => document.activeElement.classList.contains('ProseMirror')"
                           " && document.querySelectorAll('.ProseMirror span[style*=color]').length === 1")

    headings = "".join(f"<h{n}>Menu {n}</h{n}>" for n in range(1, 7)) + "".join(f"<h{n}>Keys {n}</h{n}>" for n in range(1, 7))
    tags = ["strong", "em", "u", "s", "code", "sub", "sup"]
    toolbar_marks = " ".join(f"<{tag}>b{i}</{tag}>" for i, tag in enumerate(tags))
    keyboard_marks = " ".join(f"<{tag}>k{i}</{tag}>" for i, tag in enumerate(tags))
    assert publish(page, server) == (
        headings + f"<p>{toolbar_marks} end</p><p>{keyboard_marks} end</p>"
        '<p>plain <span style="color: #bf2600;">red</span> back</p>'
    )
    assert errors == []


def test_lists_quotes_rules_and_links(server, session):
    page = session
    errors = watch_console(page)
    new_page(page, server, "Lists and links")
    button(page, "Numbered list (Ctrl+Shift+7)").click()
    page.keyboard.type("first")
    page.keyboard.press("Enter")
    page.keyboard.type("second")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Shift+7")
    page.keyboard.type("by keys")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Shift+8")
    page.keyboard.type("bullet by keys")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")

    button(page, "Task list (Ctrl+Shift+9)").click()
    page.keyboard.type("write")
    page.keyboard.press("Enter")
    page.keyboard.type("review")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Shift+9")
    page.keyboard.type("ship")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.locator(".ProseMirror ul[data-type='taskList'] li", has_text="review").locator("input[type=checkbox]").check()

    page.locator(".ProseMirror p").last.click()
    button(page, "Quote (Ctrl+Shift+B)").click()
    page.keyboard.type("quoted")
    page.keyboard.press("Enter")
    button(page, "Quote (Ctrl+Shift+B)").click()
    page.keyboard.press("Control+Shift+B")
    page.keyboard.type("also quoted")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Shift+B")
    button(page, "Horizontal rule").click()
    # Links by their web address: the toolbar's button on "spec", Ctrl+K on "docs".
    page.keyboard.type("see docs and spec")
    dialog = page.get_by_role("dialog", name="Insert link")
    select_word_before_cursor(page)
    button(page, "Link (Ctrl+K)").click()
    dialog.get_by_role("combobox", name="Link to").fill("https://example.com/spec")
    page.keyboard.press("Enter")
    assert dialog.count() == 0
    page.keyboard.press("Home")
    page.keyboard.press("Control+ArrowRight")
    page.keyboard.press("Control+ArrowRight")
    select_word_before_cursor(page)
    page.keyboard.press("Control+k")
    dialog.get_by_role("combobox", name="Link to").fill("https://example.com/docs")
    page.keyboard.press("Enter")
    assert dialog.count() == 0

    def task(number, status, body):
        # New tasks are numbered when saved, after the page's highest task id (none here).
        return (f"<ac:task><ac:task-id>{number}</ac:task-id><ac:task-status>{status}</ac:task-status>"
                f"<ac:task-body>{body}</ac:task-body></ac:task>")

    assert publish(page, server) == (
        "<ol><li>first</li><li>second</li><li>by keys</li></ol><ul><li>bullet by keys</li></ul>"
        f"<ac:task-list>{task(1, 'incomplete', 'write')}{task(2, 'complete', 'review')}{task(3, 'incomplete', 'ship')}</ac:task-list>"
        "<blockquote><p>quoted</p></blockquote><blockquote><p>also quoted</p></blockquote><hr />"
        '<p>see <a href="https://example.com/docs">docs</a> and <a href="https://example.com/spec">spec</a></p>'
    )
    assert errors == []


def test_tables_rows_columns_header_merge_split_and_delete(server, session):
    page = session
    errors = watch_console(page)
    surface = new_page(page, server, "Tables")
    page.keyboard.type("Top")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Bottom")
    page.keyboard.press("ArrowUp")
    button(page, "Insert table").click()
    for text in ["A", "B", "C", "d"]:
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    page.keyboard.type("e")
    # Rows: one above and one below the row of "d" and "e", then that row deleted.
    button(page, "Add row above").click()
    button(page, "Add row below").click()
    button(page, "Delete row").click()
    table = surface.locator("table").first
    assert table.locator("tr").count() == 4
    # Columns: one each side of "B" (the cursor stays in it), then the column of "C" deleted.
    table.locator("th", has_text="B").click()
    button(page, "Add column left").click()
    button(page, "Add column right").click()
    table.locator("th", has_text="C").click()
    button(page, "Delete column").click()
    assert table.locator("tr").first.locator("th").count() == 4
    # The first row stops being a header row.
    button(page, "Toggle header row").click()
    # The two first cells of the second row merged; the two first of the third merged and split.
    rows = table.locator("tr")
    rows.nth(1).locator("td").nth(0).click()
    rows.nth(1).locator("td").nth(1).click(modifiers=["Shift"])
    button(page, "Merge cells").click()
    rows.nth(1).locator("td").first.click()
    page.keyboard.type("wide")
    rows.nth(2).locator("td").nth(0).click()
    rows.nth(2).locator("td").nth(1).click(modifiers=["Shift"])
    button(page, "Merge cells").click()
    assert rows.nth(2).locator("td[colspan='2']").count() == 1
    rows.nth(2).locator("td").first.click()
    button(page, "Split cell").click()
    assert rows.nth(2).locator("td").count() == 4
    # A second table, deleted.
    surface.locator("p", has_text="Bottom").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    button(page, "Insert table").click()
    page.keyboard.type("gone")
    button(page, "Delete table").click()
    assert surface.locator("table").count() == 1

    empty = "<td></td>"
    assert publish(page, server) == (
        "<p>Top</p><table><tbody>"
        "<tr><td>A</td><td></td><td>B</td><td></td></tr>"
        f'<tr><td colspan="2">wide</td>{empty}{empty}</tr>'
        f"<tr>{empty * 4}</tr><tr>{empty * 4}</tr>"
        "</tbody></table><p>Bottom</p>"
    )
    assert errors == []


def fill_form(page, title, fields, submit="Insert"):
    """Fills a macro form by the labels of its fields and submits it with its button."""
    dialog = page.get_by_role("dialog", name=title)
    dialog.wait_for()
    for label, value in fields.items():
        control = dialog.get_by_label(label, exact=True)
        if isinstance(value, bool):
            control.set_checked(value)
        elif control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    if submit:
        dialog.get_by_role("button", name=submit, exact=True).click()
        assert dialog.count() == 0
        assert editor_has_focus(page), "the focus goes back to the editor"
    return dialog


def test_macros_inserted_through_their_forms(server, session):
    page = session
    errors = watch_console(page)
    surface = new_page(page, server, "Macro forms")
    markers = ["code", "keys", "info", "note", "tip", "warning", "panel", "expand", "toc", "end"]
    for marker in markers:
        page.keyboard.type(marker)
        page.keyboard.press("Enter")

    def after(marker):
        surface.locator("p", has_text=marker).first.click()
        assert editor_has_focus(page)
        page.keyboard.press("End")
        page.keyboard.press("Enter")

    # Code block: toolbar, then the keyboard with Enter submitting; Escape and Cancel insert nothing.
    after("code")
    button(page, "Code block (Ctrl+Alt+C)").click()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").count() == 0 and editor_has_focus(page)
    button(page, "Code block (Ctrl+Alt+C)").click()
    fill_form(page, "Insert code block", {}, submit="Cancel")
    button(page, "Code block (Ctrl+Alt+C)").click()
    fill_form(page, "Insert code block", {"Language": "python", "Title": "Example", "Line numbers": True})
    page.keyboard.type("print(1)")
    after("keys")
    page.keyboard.press("Control+Alt+c")
    fill_form(page, "Insert code block", {"Language": "rust", "Collapse": True}, submit=None)
    page.get_by_role("dialog", name="Insert code block").get_by_label("Title").fill("Main")
    page.keyboard.press("Enter")
    page.keyboard.type("fn main() {}")
    assert surface.locator("pre").count() == 2

    for panel_type in ["info", "note", "tip", "warning"]:
        after(panel_type)
        button(page, f"{panel_type.capitalize()} panel").click()
        dialog = page.get_by_role("dialog", name="Insert panel")
        assert dialog.get_by_label("Type").input_value() == panel_type
        fill_form(page, "Insert panel", {"Title": f"{panel_type} title"})
        page.keyboard.type(f"inside {panel_type}")
    after("panel")
    button(page, "Panel panel").click()
    fill_form(page, "Insert panel", {"Type": "note", "Title": ""})
    page.keyboard.type("retyped")
    after("expand")
    button(page, "Expand").click()
    fill_form(page, "Insert expand", {"Title": "Details"})
    page.keyboard.type("hidden")

    after("toc")
    button(page, "Table of contents").click()
    fill_form(page, "Insert table of contents", {"Highest heading level": "3", "Outline numbering": True})
    # Status (with its live preview), anchor and child pages, the last through the slash menu.
    surface.locator("p", has_text="end").click()
    page.keyboard.press("End")
    page.keyboard.type(" ")
    button(page, "Status").click()
    dialog = fill_form(page, "Insert status", {"Text": "Done", "Colour": "Green"}, submit=None)
    preview = dialog.locator(".cairn-status")
    assert preview.inner_text() == "DONE" and "cairn-status-green" in preview.get_attribute("class")
    dialog.get_by_role("button", name="Insert").click()
    page.keyboard.type(" ")
    button(page, "Anchor").click()
    fill_form(page, "Insert anchor", {"Anchor name": "finish"})
    page.keyboard.type(" /stat")
    page.locator(".cairn-slash-menu").wait_for(state="visible")
    page.keyboard.press("Enter")
    fill_form(page, "Insert status", {"Text": "Late", "Colour": "Red"})
    page.keyboard.press("Enter")
    page.keyboard.type("/children")
    page.locator(".cairn-slash-menu").wait_for(state="visible")
    page.keyboard.press("Enter")
    fill_form(page, "Insert child pages", {"Parent page (title, or SPACE:title)": "FEAT:Tables", "Depth": "all", "Sort by": "title"})

    def macro(name, parameters, body=""):
        written = "".join(f'<ac:parameter ac:name="{key}">{value}</ac:parameter>' for key, value in parameters)
        return f'<ac:structured-macro ac:name="{name}">{written}{body}</ac:structured-macro>'

    def rich(name, title, text):
        return macro(name, [("title", title)] if title else [], f"<ac:rich-text-body><p>{text}</p></ac:rich-text-body>")

    def code(parameters, text):
        return macro("code", parameters, f"<ac:plain-text-body><![CDATA[{text}]]></ac:plain-text-body>")

    assert publish(page, server) == (
        "<p>code</p>" + code([("language", "python"), ("title", "Example"), ("linenumbers", "true")], "print(1)")
        + "<p>keys</p>" + code([("language", "rust"), ("title", "Main"), ("collapse", "true")], "fn main() {}")
        + "".join(f"<p>{t}</p>" + rich(t, f"{t} title", f"inside {t}") for t in ["info", "note", "tip", "warning"])
        + "<p>panel</p>" + rich("note", None, "retyped")
        + "<p>expand</p>" + rich("expand", "Details", "hidden")
        + "<p>toc</p>" + macro("toc", [("maxLevel", "3"), ("outline", "true")])
        + "<p>end " + macro("status", [("colour", "Green"), ("title", "Done")]) + " "
        + macro("anchor", [("", "finish")]) + " " + macro("status", [("colour", "Red"), ("title", "Late")]) + "</p>"
        + macro("children", [("all", "true"), ("page", "FEAT:Tables"), ("sort", "title")])
    )
    assert errors == []


EXISTING = (
    '<p>State <ac:structured-macro ac:name="status" ac:schema-version="1" ac:macro-id="s1">'
    '<ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">OK</ac:parameter>'
    '<ac:parameter ac:name="subtle">true</ac:parameter></ac:structured-macro> here '
    '<ac:structured-macro ac:name="anchor"><ac:parameter ac:name="">old</ac:parameter></ac:structured-macro></p>'
    '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">rust</ac:parameter>'
    '<ac:parameter ac:name="linenumbers">true</ac:parameter>'
    "<ac:plain-text-body><![CDATA[let x = 1;]]></ac:plain-text-body></ac:structured-macro>"
    '<ac:structured-macro ac:name="info"><ac:parameter ac:name="title">Old</ac:parameter>'
    "<ac:rich-text-body><p>careful</p></ac:rich-text-body></ac:structured-macro>"
    '<ac:structured-macro ac:name="toc"><ac:parameter ac:name="maxLevel">2</ac:parameter></ac:structured-macro>'
    '<ac:structured-macro ac:name="children"><ac:parameter ac:name="depth">2</ac:parameter></ac:structured-macro>'
    '<ac:structured-macro ac:name="children"><ac:parameter ac:name="page"><ac:link>'
    '<ri:page ri:space-key="FEAT" ri:content-title="Existing macros" /></ac:link></ac:parameter></ac:structured-macro>'
    "<p>unchanged</p>"
)


def test_existing_macros_edited_through_the_same_forms(server, session):
    page = session
    errors = watch_console(page)
    created = rest(page, server, "POST", "/rest/api/content", {
        "type": "page", "title": "Existing macros", "space": {"key": "FEAT"},
        "body": {"storage": {"value": EXISTING, "representation": "storage"}},
    })
    page.goto(server.base_url + f"/pages/editpage.action?pageId={created['id']}")
    surface = open_editor(page)
    edit = button(page, "Edit macro parameters")

    # A selected status: the toolbar's button opens its form, filled in.
    surface.locator(".cairn-status").click()
    edit.click()
    dialog = page.get_by_role("dialog", name="Edit status")
    assert dialog.get_by_label("Text").input_value() == "OK"
    assert dialog.get_by_label("Colour").input_value() == "Green"
    fill_form(page, "Edit status", {"Text": "Blocked", "Colour": "Red"}, submit="Save")
    # A double click on the anchor; Enter submits.
    surface.locator(".cairn-anchor").dblclick()
    dialog = page.get_by_role("dialog", name="Edit anchor")
    assert dialog.get_by_label("Anchor name").input_value() == "old"
    dialog.get_by_label("Anchor name").fill("new")
    page.keyboard.press("Enter")
    assert dialog.count() == 0
    # The cursor in a code block.
    surface.locator("pre").click()
    edit.click()
    dialog = page.get_by_role("dialog", name="Edit code block")
    assert dialog.get_by_label("Language").input_value() == "rust"
    assert dialog.get_by_label("Line numbers").is_checked()
    fill_form(page, "Edit code block", {"Language": "go", "Title": "Go"}, submit="Save")
    # The cursor in a panel.
    surface.locator("p", has_text="careful").click()
    edit.click()
    dialog = page.get_by_role("dialog", name="Edit panel")
    assert dialog.get_by_label("Title").input_value() == "Old"
    fill_form(page, "Edit panel", {"Type": "warning", "Title": "New"}, submit="Save")
    # Enter on a selected table of contents; Escape leaves the child pages as they were.
    surface.locator(".cairn-macro-block", has_text="Table of contents").click()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Edit table of contents")
    assert dialog.get_by_label("Highest heading level").input_value() == "2"
    fill_form(page, "Edit table of contents", {"Lowest heading level": "2", "List style": "square"}, submit="Save")
    surface.locator(".cairn-macro-block", has_text="Child pages").first.click()
    edit.click()
    dialog = page.get_by_role("dialog", name="Edit child pages")
    assert dialog.get_by_label("Depth").input_value() == "2"
    dialog.get_by_label("Depth").select_option("3")
    page.keyboard.press("Escape")
    assert dialog.count() == 0
    # Child pages of another page, named by a link as Confluence's editor writes it: the form shows
    # the page as SPACE:title, and the page chosen instead is written as a link again.
    surface.locator(".cairn-macro-block", has_text="Child pages").nth(1).click()
    edit.click()
    parent = "Parent page (title, or SPACE:title)"
    dialog = page.get_by_role("dialog", name="Edit child pages")
    assert dialog.get_by_label(parent).input_value() == "FEAT:Existing macros"
    fill_form(page, "Edit child pages", {parent: "FEAT:Tables"}, submit="Save")

    assert publish(page, server) == (
        '<p>State <ac:structured-macro ac:name="status" ac:schema-version="1" ac:macro-id="s1">'
        '<ac:parameter ac:name="colour">Red</ac:parameter><ac:parameter ac:name="title">Blocked</ac:parameter>'
        '<ac:parameter ac:name="subtle">true</ac:parameter></ac:structured-macro> here '
        '<ac:structured-macro ac:name="anchor"><ac:parameter ac:name="">new</ac:parameter></ac:structured-macro></p>'
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">go</ac:parameter>'
        '<ac:parameter ac:name="title">Go</ac:parameter><ac:parameter ac:name="linenumbers">true</ac:parameter>'
        "<ac:plain-text-body><![CDATA[let x = 1;]]></ac:plain-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="warning"><ac:parameter ac:name="title">New</ac:parameter>'
        "<ac:rich-text-body><p>careful</p></ac:rich-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="toc"><ac:parameter ac:name="maxLevel">2</ac:parameter>'
        '<ac:parameter ac:name="minLevel">2</ac:parameter><ac:parameter ac:name="style">square</ac:parameter>'
        "</ac:structured-macro>"
        '<ac:structured-macro ac:name="children"><ac:parameter ac:name="depth">2</ac:parameter></ac:structured-macro>'
        '<ac:structured-macro ac:name="children"><ac:parameter ac:name="page"><ac:link>'
        '<ri:page ri:space-key="FEAT" ri:content-title="Tables" /></ac:link></ac:parameter></ac:structured-macro>'
        "<p>unchanged</p>"
    )
    assert errors == []
