"""A long page in the editor: the first screens are editable at once and the rest of the page
follows in parts. Whatever the person does meanwhile (typing at the top, adding a block after
the last one loaded, undoing, saving before everything is in), the saved page holds every block,
in order, and only the edited ones change."""

from datetime import datetime, timedelta, timezone

from test_editor import log_in, open_editor, rest, stored_storage, watch_console

SECTIONS = 260


def long_storage(edited_first=None):
    """About 150 KB of storage: paragraphs, headings, lists and a table per section."""
    blocks = []
    for index in range(SECTIONS):
        first = f"Paragraph {index} says something about the rollout of service {index}."
        if index == 0 and edited_first is not None:
            first = edited_first
        blocks.append(
            f"<h2>Section {index}</h2><p>{first}</p>"
            f"<ul><li>item {index}.a</li><li>item {index}.b</li></ul>"
            f"<table><tbody><tr><th>Key</th><th>Value</th></tr><tr><td>k{index}</td><td>v{index}</td></tr></tbody></table>"
            f'<ac:structured-macro ac:name="jira" ac:schema-version="1"><ac:parameter ac:name="key">DEV-{index}'
            "</ac:parameter></ac:structured-macro>"
        )
    return "".join(blocks)


def open_long_page(page, node, title, hold_the_rest=False):
    """Opens the page in the editor. With `hold_the_rest`, the page's timers are stopped first
    (Playwright's clock), so the parts after the first screens are not added until
    `page.clock.resume()`: what the test does meanwhile surely happens while the rest loads."""
    rest(page, node, "POST", "/rest/api/space", {"key": "LONG", "name": "Long pages"})
    storage = long_storage()
    page_id = rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": title, "space": {"key": "LONG"},
        "body": {"storage": {"value": storage, "representation": "storage"}},
    })["id"]
    page.add_init_script("""
        window.__changes = 0;
        document.addEventListener('cairn-editor-change', () => { window.__changes += 1; }, true);
        // Captured before the form's own handlers, which add what is still missing.
        document.addEventListener('submit', (event) => {
            const loaded = event.target.querySelector('[data-cairn-editor]').dataset.loaded === 'true';
            sessionStorage.setItem('loadedAtSubmit', String(loaded));
        }, true);
        document.addEventListener('keydown', (event) => {
            const editor = document.querySelector('[data-cairn-editor]');
            if (event.key === 'Enter' && editor && window.__loadedAtEnter === undefined) {
                window.__loadedAtEnter = editor.dataset.loaded === 'true';
            }
        }, true);
    """)
    if hold_the_rest:
        page.clock.install()
        page.clock.pause_at(datetime.now(timezone.utc) + timedelta(days=1))
    page.goto(node.base_url + f"/pages/editpage.action?pageId={page_id}")
    return page_id, storage, open_editor(page)


def test_typing_at_the_top_at_once_and_saving_before_the_rest_is_in(node, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = log_in(context, node)
    errors = watch_console(page)
    page_id, storage, surface = open_long_page(page, node, "Long and saved at once", hold_the_rest=True)
    first = surface.locator("p", has_text="Paragraph 0 says").first
    first.click()
    page.keyboard.press("End")
    page.keyboard.type(" Edited.")
    # Saved right away: the form waits for nothing, and the whole page is posted.
    page.keyboard.press("Control+s")
    page.wait_for_url("**/viewpage.action?pageId=*")
    assert page.evaluate("() => sessionStorage.getItem('loadedAtSubmit')") == "false", \
        "the save was meant to come before the whole page was in the editor"
    expected = long_storage("Paragraph 0 says something about the rollout of service 0. Edited.")
    assert stored_storage(page, node, page_id) == expected
    assert errors == []
    context.close()


def test_the_rest_arrives_in_order_and_is_not_an_edit(node, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = log_in(context, node)
    errors = watch_console(page)
    page_id, storage, surface = open_long_page(page, node, "Long and loaded")
    page.wait_for_function("() => document.querySelector('[data-cairn-editor]').dataset.loaded === 'true'")
    assert page.evaluate("() => window.__changes") == 0, "loading the page is not a change"
    headings = surface.locator(":scope > h2").all_inner_texts()
    assert headings == [f"Section {index}" for index in range(SECTIONS)]
    # Undo right after loading has nothing to undo: every block stays.
    surface.locator("p").first.click()
    page.keyboard.press("Control+z")
    assert surface.locator(":scope > h2").count() == SECTIONS
    # A block added at the end of what was loaded first stays there, before nothing else.
    surface.locator(":scope > *").last.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("The very end")
    assert surface.locator(":scope > *").last.inner_text() == "The very end"
    page.keyboard.press("Control+s")
    page.wait_for_url("**/viewpage.action?pageId=*")
    assert stored_storage(page, node, page_id) == storage + "<p>The very end</p>"
    assert errors == []
    context.close()


def test_a_block_added_while_the_rest_loads_stays_where_it_was_added(node, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = log_in(context, node)
    errors = watch_console(page)
    page_id, storage, surface = open_long_page(page, node, "Long and edited while loading", hold_the_rest=True)
    # At once, before the rest is in: a new paragraph after the first heading's paragraph.
    surface.locator("p", has_text="Paragraph 0 says").first.click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("Inserted early")
    assert page.evaluate("() => window.__loadedAtEnter") is False, "the block was meant to be added while loading"
    page.clock.resume()
    page.wait_for_function("() => document.querySelector('[data-cairn-editor]').dataset.loaded === 'true'")
    page.keyboard.press("Control+s")
    page.wait_for_url("**/viewpage.action?pageId=*")
    marker = "rollout of service 0.</p>"
    expected = storage.replace(marker, marker + "<p>Inserted early</p>", 1)
    assert stored_storage(page, node, page_id) == expected
    assert errors == []
    context.close()
