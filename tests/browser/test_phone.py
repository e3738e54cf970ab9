"""At a phone's width (390 px) every main screen fits the screen: nothing wider than the viewport
(wide tables and code scroll inside the page), the header wraps with search and Log out in reach, and
the sidebar's tree waits behind a "Menu" that opens it."""

import base64
import json

from conftest import ADMIN

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode(),
        "Content-Type": "application/json"}
WIDTH = 390


def rest(page, node, method, path, body):
    response = page.request.fetch(node.base_url + path, method=method, headers=AUTH, data=json.dumps(body))
    assert response.ok, response.text()
    return response.json()


def test_every_main_screen_fits_a_phone(node, browser, artifacts):
    context = browser.new_context(viewport={"width": WIDTH, "height": 844})
    page = context.new_page()
    rest(page, node, "POST", "/rest/api/space", {"key": "PH", "name": "Phone space"})
    wide_table = "<table><tbody><tr>" + "".join(f"<td>column-{n}-with-long-words</td>" for n in range(12)) + "</tr></tbody></table>"
    long_code = ("<ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA["
                 + "x" * 300 + "]]></ac:plain-text-body></ac:structured-macro>")
    parent = rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": "Field guide", "space": {"key": "PH"},
        "body": {"storage": {"value": "<p>Guide</p>" + wide_table + long_code, "representation": "storage"}}})
    rest(page, node, "POST", "/rest/api/content", {
        "type": "page", "title": "Tent pitching", "space": {"key": "PH"}, "ancestors": [{"id": parent["id"]}],
        "body": {"storage": {"value": "<p>Pegs first</p>", "representation": "storage"}}})

    page.goto(node.base_url + "/login.action")
    page.fill("#os_username", ADMIN[0])
    page.fill("#os_password", ADMIN[1])
    page.click("main button[type=submit]")
    screens = {
        "dashboard": "/",
        "space": "/display/PH",
        "page": f"/pages/viewpage.action?pageId={parent['id']}",
        "editor": f"/pages/editpage.action?pageId={parent['id']}",
        "history": f"/pages/viewpreviousversions.action?pageId={parent['id']}",
        "search": "/dosearchsite.action?queryString=guide",
        "users": "/admin/users/browseusers.action",
        "import": "/admin/importspace.action",
        "create": "/pages/createpage.action?spaceKey=PH",
    }
    for name, path in screens.items():
        page.goto(node.base_url + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(artifacts / f"phone-{name}.png"))
        assert width <= WIDTH, f"{name} is {width} px wide at {WIDTH} px"
        logout = page.locator("header.top button:has-text('Log out')").bounding_box()
        assert logout["x"] + logout["width"] <= WIDTH, f"Log out is cut off on {name}"
        search = page.locator("header.top input[name=queryString]").bounding_box()
        assert search["x"] + search["width"] <= WIDTH, f"search is cut off on {name}"

    # The tree is behind the menu on a phone, one tap away.
    page.goto(node.base_url + f"/pages/viewpage.action?pageId={parent['id']}")
    assert not page.is_visible("aside.sidebar >> text=Tent pitching")
    assert page.is_visible("h1:has-text('Field guide')")
    page.click("aside.sidebar summary:has-text('Menu')")
    page.click("aside.sidebar >> text=Tent pitching")
    assert page.inner_text("h1") == "Tent pitching"

    # On a wide screen the tree is simply there, with no menu to open.
    wide = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    wide.goto(node.base_url + "/login.action")
    wide.fill("#os_username", ADMIN[0])
    wide.fill("#os_password", ADMIN[1])
    wide.click("main button[type=submit]")
    wide.goto(node.base_url + f"/pages/viewpage.action?pageId={parent['id']}")
    assert wide.is_visible("aside.sidebar >> text=Tent pitching")
    assert not wide.is_visible("aside.sidebar summary")
    context.close()
