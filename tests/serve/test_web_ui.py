"""The web UI in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium), against a real
serve of the demo's organization. Each page's screenshot is written to out/web-ui/ (look at them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from serve_helpers import REPO

CHROMIUM = Path("/usr/bin/chromium")
LIBRARY = REPO / "src" / "graph_aws" / "serve" / "static" / "vendor" / "cytoscape.min.js"
SCREENSHOTS = REPO / "out" / "web-ui"
# What Chromium needs on these machines (closed network, root, no GPU): see the machine notes.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=".ci/run installs Debian's chromium"),
    pytest.mark.skipif(not LIBRARY.exists(), reason="make test copies Cytoscape.js from npm (make ui)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def demo_served(demo_db, module_serve_factory):
    return module_serve_factory(demo_db)  # the UI only reads: one serve for the module


@pytest.fixture
def page(browser, demo_served):
    served = demo_served
    context = browser.new_context(viewport={"width": 1366, "height": 800})  # a laptop screen
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.goto(served.url)
    tab.get_by_label("API key").fill(served.key)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("heading", name="Query", level=1).wait_for()
    yield tab
    context.close()
    # No script error, no missing resource, no CSP violation (a refused key's 401 is the server's answer).
    assert [p for p in problems if "status of 401" not in p] == [], problems


def shot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def run_query(tab, j1ql: str) -> None:
    box = tab.get_by_role("textbox", name="J1QL query")
    box.fill(j1ql)
    box.press("Control+Enter")  # the keyboard way; the button is "Run query"


def answer(db, j1ql: str):
    from graph_aws.query import run_query
    from graph_aws.store import SqliteStore

    store = SqliteStore(db)
    try:
        return run_query(store, j1ql, page_size=None)
    finally:
        store.close()


def test_a_query_shows_its_table_and_a_tree_its_picture(page, demo_db):
    j1ql = (
        "FIND aws_account WITH _source != 'system-mapper' AS a "
        "RETURN a.name, a.status, a.collectionStatus ORDER BY a.name"
    )
    expected = answer(demo_db, j1ql).rows
    run_query(page, j1ql)
    table = page.get_by_role("region", name=re.compile(r"^\d+ rows$"))
    table.wait_for()
    assert table.get_attribute("aria-label") == f"{len(expected)} rows"  # the master and its 4 members
    names = page.locator("tbody tr td:first-child").all_inner_texts()
    assert names == [row[0] for row in expected] and "master" in names
    assert page.get_by_role("columnheader", name="a.collectionStatus").is_visible()
    shot(page, "query-table")

    tree_query = "FIND aws_account WITH master = true THAT HAS aws_account RETURN TREE"
    tree = answer(demo_db, tree_query).tree
    vertices, edges = len(tree["vertices"]), len(tree["edges"])
    run_query(page, tree_query)
    picture = page.get_by_role(
        "img", name=re.compile(f"^Graph of {vertices} entities and {edges} relationships")
    )
    picture.wait_for()
    page.wait_for_selector(f".graph[data-drawn='{vertices}']")
    assert page.locator(".graph canvas").count() > 0
    assert page.get_by_role("region", name=f"{edges} relationships").locator("tbody tr").count() == edges
    shot(page, "query-tree")

    # A path query without RETURN: a table first, then the same paths as a picture.
    run_query(page, "FIND aws_iam_user THAT HAS aws_iam_access_key")
    page.get_by_role("button", name="Show as a graph").click()
    page.get_by_role("heading", name="Results as a graph").wait_for()
    page.wait_for_selector(".graph[data-drawn]")


def test_a_j1ql_error_is_shown_as_one_line(page):
    run_query(page, "FIND aws_account WITH")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "expected" in alert.inner_text() and "Traceback" not in alert.inner_text()


def test_the_accounts_page_filters_by_status_and_opens_an_account(page):
    page.get_by_role("link", name="Accounts").click()
    region = page.get_by_role("region", name=re.compile("of 5 accounts"))
    region.wait_for()
    assert region.get_attribute("aria-label") == "5 of 5 accounts"
    page.get_by_label("Last outcome").select_option("skipped")
    assert region.get_attribute("aria-label") == "1 of 5 accounts"
    assert "tagged j1-integration=SKIP" in region.inner_text()
    page.get_by_label("Last outcome").select_option("")
    page.get_by_label("Status").select_option("SUSPENDED")
    assert region.get_attribute("aria-label") == "1 of 5 accounts"
    page.get_by_label("Status").select_option("")
    shot(page, "accounts")
    page.get_by_role("link", name="member-000", exact=True).click()
    page.get_by_role("heading", name="member-000", level=1).wait_for()
    properties = page.get_by_role("region", name=re.compile(r"\d+ properties"))
    assert "organizationalUnitPath" in properties.inner_text()
    neighbours = page.get_by_role("region", name=re.compile(r"\d+ neighbours?"))
    assert "HAS" in neighbours.inner_text() and "master" in neighbours.inner_text()
    page.wait_for_selector(".graph[data-drawn]")
    shot(page, "entity")


def test_the_checks_page_opens_a_failing_check_and_its_offenders(page, demo_db):
    from graph_aws.checks import run_checks
    from graph_aws.checks.report import summary as cli_summary
    from graph_aws.store import SqliteStore

    store = SqliteStore(demo_db)
    results = {r.rule.id: r for r in run_checks(store)}
    store.close()
    page.get_by_role("link", name="Checks").click()
    summary = page.get_by_text(re.compile(r"\d+ passed, \d+ failed, \d+ not collected"))
    summary.wait_for()
    assert summary.inner_text() == cli_summary(list(results.values())) + "."  # what `graph-aws check` says
    shot(page, "checks")
    page.get_by_role("link", name="The root user has MFA enabled").click()
    page.get_by_role("heading", name="The root user has MFA enabled", level=1).wait_for()
    assert page.get_by_text("Fail", exact=True).is_visible()
    offenders = page.get_by_role("region", name=re.compile("offending entit"))
    expected = sorted(f["displayName"] for f in results["root-mfa"].findings)
    assert sorted(offenders.locator("tbody tr td:first-child").all_inner_texts()) == expected
    assert "master" in expected
    shot(page, "check-failing")
    offenders.get_by_role("link", name="master").click()
    page.get_by_role("heading", name="master", level=1).wait_for()
    assert "mfaEnabled" in page.get_by_role("region", name=re.compile("properties")).inner_text()


def test_without_the_graph_library_the_ui_says_how_to_get_the_picture(page):
    # A script that defines no Cytoscape, as a serve without the library answers (a 404 is the same to
    # the page, but the browser logs it as an error, and this test's fixture fails on every error).
    page.route(
        "**/static/vendor/cytoscape.min.js", lambda route: route.fulfill(status=200, body="/* absent */")
    )
    run_query(page, "FIND aws_account WITH master = true THAT HAS aws_account RETURN TREE")
    note = page.get_by_text(re.compile("needs Cytoscape.js"))
    note.wait_for()
    assert "make ui" in note.inner_text()
    # the tables still hold the graph
    assert page.get_by_role("region", name=re.compile(r"^\d+ relationships$")).is_visible()


def test_signing_out_and_a_wrong_key_ask_for_a_key_again(page):
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").fill("gak_000000000000_" + "x" * 43)
    page.get_by_role("button", name="Sign in").click()
    assert "refused" in page.get_by_role("alert").inner_text()


def test_the_pages_work_from_the_keyboard(page):
    def focused() -> str:
        return page.evaluate("document.activeElement && document.activeElement.textContent.trim()")

    for _ in range(10):  # from the page's heading back to the navigation
        if focused() == "Checks":
            break
        page.keyboard.press("Shift+Tab")
    assert focused() == "Checks"
    page.keyboard.press("Enter")
    page.get_by_role("region", name=re.compile(r"^\d+ checks$")).wait_for()
    page.wait_for_function("document.activeElement.tagName === 'H1'")  # focus follows the page
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "A":
            break
    title = focused()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=title, level=1).wait_for()


def test_a_graph_too_big_to_draw_says_so_and_keeps_its_tables(browser, serve_factory, tmp_path):
    from serve_helpers import seed_widgets

    db = tmp_path / "widgets.db"
    seed_widgets(db, 600)
    served = serve_factory(db)
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    tab = context.new_page()
    try:
        tab.goto(served.url)
        tab.get_by_label("API key").fill(served.key)
        tab.get_by_role("button", name="Sign in").click()
        run_query(tab, "FIND acme_widget THAT HAS >> acme_widget RETURN TREE")
        note = tab.get_by_text(re.compile("too many to draw"))
        note.wait_for()
        assert "600 entities" in note.inner_text()
        assert tab.get_by_role("region", name="599 relationships").is_visible()
        assert tab.locator(".graph").count() == 0
    finally:
        context.close()
