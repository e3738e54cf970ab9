"""Edits are never lost in a real browser: the editor saves a draft while someone types, which
survives closing the browser and is offered again (with Discard draft); two people editing the
same page at once are merged, never overwritten: what does not overlap is merged for review, and
where both changed the same paragraph the second one chooses, side by side, before publishing."""

from test_editor import log_in, open_editor, rest, stored_storage, watch_console

PAGE = "<h1>Plan</h1><p>First part.</p><p>Second part.</p><p>Third part.</p>"


def create_page(page, node):
    rest(page, node, "POST", "/rest/api/space", {"key": "MRG", "name": "Merging"})
    created = rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": "Plan", "space": {"key": "MRG"},
        "body": {"storage": {"value": PAGE, "representation": "storage"}},
    })
    return created["id"]


def type_at_end_of(page, paragraph_text, typed):
    paragraph = page.locator(".cairn-editor-surface .ProseMirror p", has_text=paragraph_text).first
    paragraph.click()
    page.keyboard.press("End")
    page.keyboard.type(typed)


def edit(context, node, content_id):
    page = log_in(context, node)
    errors = watch_console(page)
    page.goto(f"{node.base_url}/pages/editpage.action?pageId={content_id}")
    open_editor(page)
    return page, errors


def test_a_draft_survives_closing_the_browser_and_can_be_discarded(node, browser, artifacts):
    first = browser.new_context(viewport={"width": 1280, "height": 900})
    page, errors = edit(first, node, content_id := create_page(first.new_page(), node))
    type_at_end_of(page, "Second part.", " Typed before the browser closed.")
    status = page.locator(".draft-status")
    status.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('.draft-status').textContent.startsWith('Draft saved')", timeout=20000)
    assert errors == []
    first.close()
    assert stored_storage(browser.new_context().new_page(), node, content_id) == PAGE, "a draft is not published"

    again = browser.new_context(viewport={"width": 1280, "height": 900})
    page, errors = edit(again, node, content_id)
    surface = page.locator(".cairn-editor-surface .ProseMirror")
    assert "Typed before the browser closed." in surface.inner_text()
    notice = page.locator(".draft-notice")
    assert "unpublished draft" in notice.inner_text()
    if artifacts:
        page.screenshot(path=str(artifacts / "editor-draft.png"))
    page.get_by_role("button", name="Discard draft").click()
    open_editor(page)
    assert "Typed before the browser closed." not in page.locator(".cairn-editor-surface .ProseMirror").inner_text()
    assert page.locator(".draft-notice").count() == 0

    # Published text leaves no draft behind.
    type_at_end_of(page, "Third part.", " Published.")
    page.keyboard.press("Control+s")
    page.wait_for_url(f"**/viewpage.action?pageId={content_id}")
    assert stored_storage(page, node, content_id) == PAGE.replace("Third part.", "Third part. Published.")
    page.goto(f"{node.base_url}/pages/editpage.action?pageId={content_id}")
    open_editor(page)
    assert page.locator(".draft-notice").count() == 0
    assert errors == []
    again.close()


def test_two_editors_are_merged_and_never_overwrite_each_other(node, browser, artifacts):
    ana_context = browser.new_context(viewport={"width": 1280, "height": 900})
    bo_context = browser.new_context(viewport={"width": 1280, "height": 900})
    content_id = create_page(ana_context.new_page(), node)

    # Different paragraphs: Bo's save merges Ana's published change and asks Bo to check it.
    ana, ana_errors = edit(ana_context, node, content_id)
    bo, bo_errors = edit(bo_context, node, content_id)
    type_at_end_of(ana, "First part.", " Ana was here.")
    type_at_end_of(bo, "Third part.", " Bo was here.")
    ana.keyboard.press("Control+s")
    ana.wait_for_url(f"**/viewpage.action?pageId={content_id}")
    bo.keyboard.press("Control+s")
    bo.locator(".merge-notice").wait_for()
    assert "merged below" in bo.locator(".merge-notice").inner_text()
    surface = open_editor(bo)
    assert "Ana was here." in surface.inner_text() and "Bo was here." in surface.inner_text()
    assert stored_storage(bo, node, content_id) == PAGE.replace("First part.", "First part. Ana was here."), \
        "nothing is published before Bo checks the merge"
    bo.keyboard.press("Control+s")
    bo.wait_for_url(f"**/viewpage.action?pageId={content_id}")
    both = PAGE.replace("First part.", "First part. Ana was here.").replace("Third part.", "Third part. Bo was here.")
    assert stored_storage(bo, node, content_id) == both

    # The same paragraph: Bo sees both versions side by side and keeps both.
    ana.goto(f"{node.base_url}/pages/editpage.action?pageId={content_id}")
    open_editor(ana)
    bo.goto(f"{node.base_url}/pages/editpage.action?pageId={content_id}")
    open_editor(bo)
    type_at_end_of(ana, "Second part.", " Ana's view.")
    type_at_end_of(bo, "Second part.", " Bo's view.")
    ana.keyboard.press("Control+s")
    ana.wait_for_url(f"**/viewpage.action?pageId={content_id}")
    bo.keyboard.press("Control+s")
    bo.locator("form.merge").wait_for()
    sides = bo.locator(".merge-conflict")
    assert sides.count() == 1
    assert "Ana's view." in sides.inner_text() and "Bo's view." in sides.inner_text()
    if artifacts:
        bo.screenshot(path=str(artifacts / "editor-merge.png"), full_page=True)
    bo.get_by_label("Keep both (theirs, then yours)").check()
    bo.get_by_role("button", name="Apply and review").click()
    surface = open_editor(bo)
    assert "Ana's view." in surface.inner_text() and "Bo's view." in surface.inner_text()
    bo.keyboard.press("Control+s")
    bo.wait_for_url(f"**/viewpage.action?pageId={content_id}")
    final = stored_storage(bo, node, content_id)
    assert final == both.replace(
        "<p>Second part.</p>", "<p>Second part. Ana's view.</p><p>Second part. Bo's view.</p>"
    ), final
    history = rest(bo, node, "GET", f"/rest/api/content/{content_id}?expand=version")["version"]["number"]
    assert history == 5, "each publish is its own version: 1 created, Ana, Bo, Ana, Bo"
    # The browser logs each 409 answer (the merge and the choice page) as a failed resource.
    assert ana_errors == [] and [error for error in bo_errors if "409 (Conflict)" not in error] == []
    ana_context.close()
    bo_context.close()
