"""How long a long page takes to become editable in the page editor, in headless Chromium.

Starts one `cairn serve` on 127.0.0.1 (fresh home, admin/admin-password), creates two pages through
REST (a realistic storage-format page of about 200 KB and one of about 20 KB), then loads each page
N times, each load in a fresh tab of one signed-in browser context (the HTTP cache is warm after the
first load, which is reported on its own), and prints median and p90 of:

- the page view (`/pages/viewpage.action`): navigation start to the end of the load event;
- the edit form (`/pages/editpage.action`): navigation start to `cairn-editor-ready`; to
  "interactive": one character typed at the end of the first paragraph in view (where a person
  who opens the page can type) has reached the DOM and the editor's document
  (`cairn-editor-change`); to the whole document being in the editor (`cairn-editor-loaded`: a
  long page's later blocks are added right after the first screens); and, after that, to one
  more character typed at the very end of the document shown;
- the server's answer to each HTML request (time to first byte and to the last byte, measured from
  Python on a kept-alive connection): the page view, the edit form, and the edit form in source
  mode, which skips the conversion of storage into the editor's document.

Then the ratio editor-interactive / page-view for the same page, the budget check (the 200 KB page
interactive in under 1 s at the median) and the bundle's size against its 400 KB gzipped budget.
With `--profile` (and whenever the budget is missed) more instrumented loads say where the time goes.

    PATH=/var/tmp/cairn-ci-venv/bin:$PATH python tests/browser/bench_editor.py [--runs N] [--profile]

The binary is $CAIRN_BIN, else $CARGO_TARGET_DIR/release/cairn when it exists, else the debug
build. Only 127.0.0.1 is contacted: Chromium resolves no other host name.
"""

import argparse
import base64
import gzip
import http.client
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUNDLE = ROOT / "crates" / "cairn-web" / "assets" / "editor"

INTERACTIVE_BUDGET_MS = 1000.0
BUNDLE_BUDGET_BYTES = 400_000  # 400 KB gzipped, read as 10^3 (the stricter reading)
LARGE_TARGET = 200 * 1024
SMALL_TARGET = 20 * 1024
TIMEOUT_MS = 30_000
MARKER = "Q"
END_MARKER = "Z"


def choose_binary() -> str:
    explicit = os.environ.get("CAIRN_BIN")
    if explicit:
        return explicit
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    release = target / "release" / "cairn"
    return str(release if release.exists() else target / "debug" / "cairn")


# conftest's Node reads CAIRN_BIN; set it before importing so the bench picks the release build.
os.environ["CAIRN_BIN"] = choose_binary()
sys.path.insert(0, str(HERE))
from conftest import ADMIN, Node  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

# ---------------------------------------------------------------------------------------------
# A long Confluence page in storage format
# ---------------------------------------------------------------------------------------------

WORDS = (
    "the service deploy rollout cluster owner review metric latency budget release branch build "
    "pipeline incident runbook dashboard alert queue worker database index migration schema backup "
    "restore region replica cache request response timeout retry customer report quarter roadmap "
    "milestone feature flag experiment cohort storage network config secret token audit policy team "
    "on-call handover ticket backlog sprint estimate risk dependency vendor contract invoice plan"
).split()
PEOPLE = ["8a7f808a6e1b2c3d", "8a7f808a6e1b2c3e", "8a7f808a6e1b2c3f", "8a7f808a6e1b2c40"]
LANGUAGES = ["bash", "python", "java", "sql", "yaml", "javascript"]
PANELS = ["info", "note", "warning", "tip"]


class PageWriter:
    """Sections of a long, mixed page; seeded, so every run writes the same bytes."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.task_id = 0

    def words(self, low: int, high: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(self.random.randint(low, high)))

    def inline(self, index: int) -> str:
        """A sentence with marks, links, entities or an inline macro."""
        r = self.random
        kind = r.randrange(12)
        text = self.words(4, 10)
        if kind == 0:
            return f"The <strong>{text}</strong> is due&nbsp;&ndash; it&rsquo;s on track."
        if kind == 1:
            return f"See <em>{text}</em> and <u>{self.words(1, 3)}</u>."
        if kind == 2:
            return f'Read <a href="https://example.com/docs/{index}?tab=steps&amp;mode=full">{text}</a> first.'
        if kind == 3:
            return (f'Linked from <ac:link><ri:page ri:space-key="ENG" ri:content-title="Runbook {index % 40}"/>'
                    f"</ac:link>: {text}.")
        if kind == 4:
            return f'Ask <ac:link><ri:user ri:userkey="{r.choice(PEOPLE)}"/></ac:link> about {text}.'
        if kind == 5:
            return f"Run <code>make {r.choice(WORDS)}</code> before {text}."
        if kind == 6:
            return f"<strong><em>{text}</em></strong> (<s>{self.words(1, 3)}</s>) H<sub>2</sub>O x<sup>2</sup>."
        if kind == 7:
            return (f'Tracked in <ac:structured-macro ac:name="jira" ac:schema-version="1" '
                    f'ac:macro-id="{index:04x}-{r.randrange(1 << 16):04x}"><ac:parameter ac:name="server">System JIRA'
                    f'</ac:parameter><ac:parameter ac:name="serverId">a1b2c3d4-0000-4000-8000-{index:012d}'
                    f'</ac:parameter><ac:parameter ac:name="key">ENG-{100 + index}</ac:parameter>'
                    f"</ac:structured-macro> for {text}.")
        if kind == 8:
            return (f'Status <ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">'
                    f'{r.choice(["Green", "Yellow", "Red"])}</ac:parameter><ac:parameter ac:name="title">'
                    f"{r.choice(['done', 'in review', 'blocked'])}</ac:parameter></ac:structured-macro> for {text}.")
        if kind == 9:
            return f'<span style="color: rgb(255,86,48);">{text}</span> café naïve — “quoted” {index}.'
        return text.capitalize() + "."

    def paragraph(self, index: int) -> str:
        return "<p>" + " ".join(self.inline(index) for _ in range(self.random.randint(2, 5))) + "</p>"

    def list_block(self, index: int) -> str:
        tag = self.random.choice(["ul", "ol"])
        items = []
        for _ in range(self.random.randint(3, 6)):
            item = self.inline(index)
            if self.random.random() < 0.3:
                item += "<ul>" + "".join(f"<li>{self.inline(index)}</li>" for _ in range(2)) + "</ul>"
            items.append(f"<li>{item}</li>")
        return f"<{tag}>" + "".join(items) + f"</{tag}>"

    def table(self, index: int) -> str:
        columns = self.random.randint(3, 5)
        head = "<tr>" + "".join(f"<th>{self.words(1, 2).title()}</th>" for _ in range(columns)) + "</tr>"
        rows = []
        for _ in range(self.random.randint(3, 7)):
            cells = [f"<td>{self.inline(index)}</td>" for _ in range(columns - 1)]
            cells.append(f"<td><p>{self.words(2, 5)}</p></td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return f'<table class="confluenceTable"><tbody>{head}{"".join(rows)}</tbody></table>'

    def code(self, index: int) -> str:
        language = self.random.choice(LANGUAGES)
        lines = "\n".join(f"step_{index}_{n} --{self.random.choice(WORDS)}=\"{self.words(1, 4)}\" && echo '<ok>'"
                          for n in range(self.random.randint(4, 14)))
        return (f'<ac:structured-macro ac:name="code" ac:schema-version="1" ac:macro-id="c{index:05d}">'
                f'<ac:parameter ac:name="language">{language}</ac:parameter>'
                f'<ac:parameter ac:name="title">{self.words(2, 4)}</ac:parameter>'
                f"<ac:plain-text-body><![CDATA[{lines}]]></ac:plain-text-body></ac:structured-macro>")

    def panel(self, index: int) -> str:
        kind = self.random.choice(PANELS)
        return (f'<ac:structured-macro ac:name="{kind}" ac:schema-version="1">'
                f'<ac:parameter ac:name="title">{self.words(2, 4).capitalize()}</ac:parameter>'
                f"<ac:rich-text-body>{self.paragraph(index)}{self.list_block(index)}</ac:rich-text-body>"
                "</ac:structured-macro>")

    def tasks(self, index: int) -> str:
        items = []
        for _ in range(self.random.randint(2, 5)):
            self.task_id += 1
            status = self.random.choice(["complete", "incomplete"])
            items.append(f"<ac:task><ac:task-id>{self.task_id}</ac:task-id><ac:task-status>{status}</ac:task-status>"
                         f"<ac:task-body>{self.inline(index)}</ac:task-body></ac:task>")
        return "<ac:task-list>" + "".join(items) + "</ac:task-list>"

    def unknown_macro(self, index: int) -> str:
        kind = self.random.randrange(3)
        if kind == 0:
            return (f'<ac:structured-macro ac:name="jira" ac:schema-version="1" ac:macro-id="j{index:05d}">'
                    '<ac:parameter ac:name="server">System JIRA</ac:parameter>'
                    '<ac:parameter ac:name="columns">key,summary,type,created,updated,assignee,status</ac:parameter>'
                    f'<ac:parameter ac:name="maximumIssues">20</ac:parameter>'
                    f'<ac:parameter ac:name="jqlQuery">project = ENG AND fixVersion = "{index}.0" ORDER BY rank'
                    "</ac:parameter></ac:structured-macro>")
        if kind == 1:
            return (f'<ac:structured-macro ac:name="gadget" ac:schema-version="1"><ac:parameter ac:name="url">'
                    f"https://example.com/gadgets/{index}.xml</ac:parameter><ac:rich-text-body><p>{self.words(3, 8)}"
                    "</p></ac:rich-text-body></ac:structured-macro>")
        return (f'<ac:structured-macro ac:name="excerpt-include" ac:schema-version="1"><ac:parameter ac:name="">'
                f'<ac:link><ri:page ri:content-title="Overview {index}"/></ac:link></ac:parameter>'
                '<ac:parameter ac:name="nopanel">true</ac:parameter></ac:structured-macro>')

    def expand(self, index: int) -> str:
        return (f'<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">Details {index}'
                f"</ac:parameter><ac:rich-text-body>{self.paragraph(index)}{self.code(index)}"
                "</ac:rich-text-body></ac:structured-macro>")

    def section(self, index: int) -> str:
        r = self.random
        parts = [f"<h2>{index + 1}. {self.words(2, 5).title()}</h2>", self.paragraph(index), self.paragraph(index)]
        optional = [self.panel, self.table, self.code, self.list_block, self.tasks, self.unknown_macro]
        r.shuffle(optional)
        for make in optional[: r.randint(4, 6)]:
            parts.append(make(index))
            if r.random() < 0.5:
                parts.append(self.paragraph(index))
        if r.random() < 0.3:
            parts.append(f"<h3>{self.words(2, 4).capitalize()}</h3>" + self.paragraph(index))
        if r.random() < 0.2:
            parts.append(self.expand(index))
        if r.random() < 0.15:
            parts.append(f"<blockquote><p>{self.inline(index)}</p></blockquote><hr/>")
        return "".join(parts)


def storage_page(target_bytes: int, seed: int) -> str:
    """Sections until the page reaches `target_bytes` (UTF-8), then a closing paragraph."""
    writer = PageWriter(seed)
    head = '<ac:structured-macro ac:name="toc"/><p>' + writer.inline(0) + "</p>"
    parts, size, index = [head], len(head.encode()), 0
    closing = "<p>End of the page.</p>"
    while size + len(closing) < target_bytes:
        section = writer.section(index)
        parts.append(section)
        size += len(section.encode())
        index += 1
    parts.append(closing)
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------

# Runs before any script of an edit form: stamps (performance.now(), milliseconds since the
# navigation started) when the editor is ready, when a key arrives and when the editor's
# document changes. With profiling, also JSON.parse of large strings and the script and rendering
# work of long animation frames.
INIT_SCRIPT = """
(() => {
  const b = window.__bench = {ready: null, firstFrame: null, mousedown: null, loaded: null, keydown: null, typed: null, changed: null, typedAtEnd: null,
                               parses: [], frames: []};
  document.addEventListener('cairn-editor-ready', () => {
    if (b.ready !== null) return;
    b.ready = performance.now();
    requestAnimationFrame(() => setTimeout(() => { b.firstFrame = performance.now(); }, 0));
  }, true);
  document.addEventListener('mousedown', () => { if (b.mousedown == null) b.mousedown = performance.now(); }, true);
  document.addEventListener('cairn-editor-loaded', () => { if (b.loaded === null) b.loaded = performance.now(); }, true);
  document.addEventListener('cairn-editor-change', () => { if (b.changed === null) b.changed = performance.now(); }, true);
  document.addEventListener('keydown', () => { if (b.keydown === null) b.keydown = performance.now(); }, true);
  if (%(profile)s) {
    const parse = JSON.parse;
    JSON.parse = function (text, reviver) {
      if (typeof text !== 'string' || text.length < 10000) return parse.call(this, text, reviver);
      const start = performance.now();
      try { return parse.call(this, text, reviver); }
      finally { b.parses.push({start, end: performance.now(), chars: text.length}); }
    };
    try {
      new PerformanceObserver((list) => {
        for (const f of list.getEntries()) {
          b.frames.push({start: f.startTime, duration: f.duration, renderStart: f.renderStart,
                         styleAndLayoutStart: f.styleAndLayoutStart, blocking: f.blockingDuration,
                         scripts: f.scripts.map((s) => ({invoker: s.invoker, type: s.invokerType,
                           source: s.sourceURL, start: s.startTime, exec: s.executionStart,
                           duration: s.duration, layout: s.forcedStyleAndLayoutDuration}))});
        }
      }).observe({type: 'long-animation-frame', buffered: true});
    } catch (e) { b.frames = null; }
  }
})();
"""

# Polled until the editor is ready; then finds the first paragraph in view (what a person opening
# the page can type in), watches it for the typed character and says where to click to put the
# caret at its end.
CARET_IN_FIRST_SCREEN = """
(marker) => {
  const b = window.__bench;
  if (!b || b.ready === null) return false;
  const pm = document.querySelector('.cairn-editor-surface .ProseMirror');
  // A paragraph in view that ends in plain text (not in a link, a lozenge or another atom).
  const target = pm && Array.from(pm.querySelectorAll(':scope > p')).find((p) => {
    const box = p.getBoundingClientRect();
    return p.lastChild && p.lastChild.nodeType === Node.TEXT_NODE && box.top >= 0 && box.bottom <= window.innerHeight;
  });
  if (!target) return false;
  new MutationObserver(() => {
    if (b.typed === null && (target.textContent || '').endsWith(marker)) b.typed = performance.now();
  }).observe(target, {subtree: true, characterData: true, childList: true});
  // Where the driver clicks: just after the paragraph's last character.
  const range = document.createRange();
  range.setStart(target.lastChild, target.lastChild.length);
  const end = range.getBoundingClientRect();
  return {x: end.right + 1, y: end.top + end.height / 2};
}
"""

# Polled until the whole document is in the editor; then puts the caret at the end of the last
# block and watches for the typed character.
CARET_AT_END = """
(marker) => {
  const b = window.__bench;
  if (!b || b.ready === null || b.loaded === null) return false;
  const pm = document.querySelector('.cairn-editor-surface .ProseMirror');
  const last = pm && pm.lastElementChild;
  if (!last) return false;
  const walker = document.createTreeWalker(last, NodeFilter.SHOW_TEXT);
  let text = null;
  while (walker.nextNode()) text = walker.currentNode;
  if (!text) return false;
  new MutationObserver(() => {
    const at = performance.now();
    if (!(pm.lastElementChild.textContent || '').endsWith(marker)) return;
    if (b.typed === null) b.typed = at;
    if (b.typedAtEnd === null) b.typedAtEnd = at;
  }).observe(pm, {subtree: true, characterData: true, childList: true});
  pm.focus();
  window.getSelection().collapse(text, text.length);
  return true;
}
"""

NAVIGATION = """
() => { const n = performance.getEntriesByType('navigation')[0];
  return {requestStart: n.requestStart, responseStart: n.responseStart, responseEnd: n.responseEnd,
          domInteractive: n.domInteractive, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
          bytes: n.decodedBodySize}; }
"""


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary(values):
    return statistics.median(values), percentile(values, 0.9)


def signed_in_context(browser, node):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(node.base_url + "/login.action")
    page.fill("#os_username", ADMIN[0])
    page.fill("#os_password", ADMIN[1])
    page.click("main button[type=submit]")
    page.locator("h1", has_text="Dashboard").wait_for()
    return context, page


def rest(page, node, method, path, body=None):
    auth = "Basic " + base64.b64encode(f"{ADMIN[0]}:{ADMIN[1]}".encode()).decode()
    response = page.request.fetch(node.base_url + path, method=method,
                                  headers={"Authorization": auth, "Content-Type": "application/json"},
                                  data=json.dumps(body) if body is not None else None, timeout=TIMEOUT_MS)
    if not response.ok:
        raise RuntimeError(f"{method} {path}: {response.status} {response.text()[:500]}")
    return response.json()


def measure_view(context, url):
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function("() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
        navigation = page.evaluate(NAVIGATION)
        return {"load": navigation["load"], "html": navigation["responseEnd"]}
    finally:
        page.close()


def measure_edit(context, url, profile=False, extra_init=None):
    """One load of the edit form in a fresh tab; times in ms since the navigation started."""
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(INIT_SCRIPT % {"profile": "true" if profile else "false"})
    if extra_init:
        page.add_init_script(extra_init)
    try:
        page.goto(url, wait_until="commit")
        spot = page.wait_for_function(CARET_IN_FIRST_SCREEN, arg=MARKER, polling="raf").json_value()
        page.mouse.click(spot["x"], spot["y"])
        page.keyboard.type(MARKER)
        page.wait_for_function("() => window.__bench.typed !== null && window.__bench.changed !== null")
        # Then the whole document: once it is all in, a key at its very end.
        page.wait_for_function(CARET_AT_END, arg=END_MARKER, polling="raf")
        page.keyboard.type(END_MARKER)
        page.wait_for_function("() => window.__bench.typedAtEnd !== null")
        if profile:
            page.wait_for_function("() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
            page.wait_for_timeout(300)  # let the last long animation frames be reported
        bench = page.evaluate("() => window.__bench")
        navigation = page.evaluate(NAVIGATION)
        if errors:
            raise RuntimeError("script errors in the edit form: " + "; ".join(errors))
        return {
            "ready": bench["ready"],
            "interactive": max(bench["typed"], bench["changed"]),
            "loaded": bench["loaded"],
            "at_end": bench["typedAtEnd"],
            "keydown": bench["keydown"],
            "html": navigation["responseEnd"],
            "navigation": navigation,
            "bench": bench,
        }
    finally:
        page.close()


def measure_server(base_url, cookie, path):
    """Time to first byte and to the last byte of one GET, on a fresh connection each time."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_MS / 1000)
    try:
        connection.connect()
        start = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie, "Accept": "text/html"})
        response = connection.getresponse()
        first = time.perf_counter()
        body = response.read()
        end = time.perf_counter()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}")
        return {"ttfb": (first - start) * 1000, "total": (end - start) * 1000, "bytes": len(body)}
    finally:
        connection.close()


def gzip9(data: bytes) -> int:
    if shutil.which("gzip"):
        return len(subprocess.run(["gzip", "-9", "-n", "-c"], input=data, capture_output=True, check=True).stdout)
    return len(gzip.compress(data, 9, mtime=0))


def bundle_sizes(context, node):
    """The bundle the binary serves (compiled in), and whether the working tree's differs."""
    served = {}
    for name in ("editor.js", "editor.css"):
        response = context.request.get(f"{node.base_url}/assets/editor/{name}", timeout=TIMEOUT_MS)
        if not response.ok:
            raise RuntimeError(f"GET /assets/editor/{name}: {response.status}")
        served[name] = response.body()
    script, css = served["editor.js"], served["editor.css"]
    same = script == (BUNDLE / "editor.js").read_bytes() and css == (BUNDLE / "editor.css").read_bytes()
    return {"js_raw": len(script), "js_gzip": gzip9(script), "css_raw": len(css), "css_gzip": gzip9(css),
            "same_as_tree": same}


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return f"{os.cpu_count()} CPUs ({model}), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"


def chromium_version(browser):
    return browser.version


def print_profile(label, samples):
    """Medians of the phases of instrumented loads of the edit form."""
    rows = []
    for s in samples:
        n, b = s["navigation"], s["bench"]
        parse = max(b["parses"], key=lambda p: p["chars"]) if b["parses"] else None
        # The bundle is deferred: it runs after domInteractive (readyState "interactive") and
        # mounts at once, before DOMContentLoaded.
        row = {
            "server, first byte (browser's view)": n["responseStart"] - n["requestStart"],
            "HTML download (to last byte)": n["responseEnd"] - n["responseStart"],
            "HTML parsed (last byte → domInteractive)": n["domInteractive"] - n["responseEnd"],
            "domInteractive → mount starts (scripts load and run)": parse and parse["start"] - n["domInteractive"],
            "JSON.parse of the editor document": parse and parse["end"] - parse["start"],
            "mount: JSON.parse end → cairn-editor-ready": parse and b["ready"] - parse["end"],
            "cairn-editor-ready → first frame shown": b["firstFrame"] - b["ready"],
            "first frame → the driver's click arrives": b["mousedown"] - b["firstFrame"],
            "click → key arrives": b["keydown"] - b["mousedown"],
            "key → character in DOM and document": max(b["typed"], b["changed"]) - b["keydown"],
            "total: interactive": max(b["typed"], b["changed"]),
        }
        frames = b.get("frames") or []
        script_ms = 0.0
        layout_ms = 0.0
        bundle_eval = 0.0
        for frame in frames:
            if frame["start"] > row["total: interactive"]:
                continue
            if frame["styleAndLayoutStart"]:
                layout_ms += frame["start"] + frame["duration"] - frame["styleAndLayoutStart"]
            for script in frame["scripts"]:
                script_ms += script["duration"]
                layout_ms += script["layout"]
                if "editor.js" in (script["source"] or "") and script["type"] == "classic-script":
                    bundle_eval += script["duration"]  # includes the mount, which runs inside it
        if frames:
            row["long frames: script (all)"] = script_ms
            row["long frames: style and layout"] = layout_ms
            row["long frames: editor.js evaluation, mount included"] = bundle_eval
        row["editor document chars"] = parse["chars"] if parse else None
        rows.append(row)
    print(f"\nWhere the time goes, {label} page, edit form ({len(samples)} instrumented loads, medians, ms):")
    for key in rows[0]:
        values = [r[key] for r in rows if r.get(key) is not None]
        if not values:
            continue
        value = statistics.median(values)
        print(f"  {key:62} {value:10.0f}" if "chars" in key else f"  {key:62} {value:10.1f}")


def cpu_profile(context, url, node):
    """A sampling CPU profile of one load of the edit form: self time by function, top entries."""
    page = context.new_page()
    try:
        page.goto(node.base_url + "/dashboard.action")  # the same site: the tab keeps its process
        cdp = context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        page.add_init_script(INIT_SCRIPT % {"profile": "false"})
        page.goto(url, wait_until="commit")
        page.wait_for_function(CARET_AT_END, arg=MARKER, polling="raf")
        page.keyboard.type(MARKER)
        page.wait_for_function("() => window.__bench.typed !== null && window.__bench.changed !== null")
        profile = cdp.send("Profiler.stop")["profile"]
    finally:
        page.close()
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = profile["timeDeltas"]
    self_ms = {}
    by_source = {}
    for sample, delta in zip(profile["samples"], deltas[1:] + [0]):
        frame = nodes[sample]["callFrame"]
        name = frame["functionName"] or "(anonymous)"
        url_tail = frame["url"].rsplit("/", 1)[-1].split("?")[0] if frame["url"] else ""
        key = f"{name} [{url_tail}:{frame['lineNumber'] + 1}:{frame['columnNumber'] + 1}]" if url_tail else name
        self_ms[key] = self_ms.get(key, 0.0) + delta / 1000
        source = url_tail or name
        by_source[source] = by_source.get(source, 0.0) + delta / 1000
    print("\nCPU profile of one edit-form load of the large page (self time, ms; excludes idle):")
    for source, ms in sorted(by_source.items(), key=lambda item: -item[1])[:8]:
        if source != "(idle)":
            print(f"  by source  {source:58} {ms:8.1f}")
    for key, ms in sorted(self_ms.items(), key=lambda item: -item[1])[:15]:
        if key != "(idle)":
            print(f"  function   {key[:58]:58} {ms:8.1f}")


TRACE_CATEGORIES = ["devtools.timeline", "v8", "v8.execute", "blink", "loading"]


def self_times(events, url_part):
    """Self time (µs) by event name on the main thread that parsed `url_part`, nested events
    subtracted (falls back to every renderer main thread)."""
    threads = {(e["pid"], e["tid"]) for e in events
               if e.get("name") == "ParseHTML"
               and url_part in str(e.get("args", {}).get("beginData", {}).get("url", ""))}
    if not threads:
        threads = {(e["pid"], e["tid"]) for e in events
                   if e.get("ph") == "M" and e.get("name") == "thread_name"
                   and e.get("args", {}).get("name") == "CrRendererMain"}
    per_thread = {}
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in threads:
            per_thread.setdefault(key, []).append(e)
    totals = {}
    for thread_events in per_thread.values():
        spans, open_spans = [], []
        for e in sorted(thread_events, key=lambda e: e.get("ts", 0)):
            if e.get("ph") == "X" and "dur" in e:
                spans.append([e["ts"], e["ts"] + e["dur"], e["name"], 0.0])
            elif e.get("ph") == "B":
                open_spans.append(e)
            elif e.get("ph") == "E" and open_spans:
                begin = open_spans.pop()
                spans.append([begin["ts"], e["ts"], begin["name"], 0.0])
        spans.sort(key=lambda span: (span[0], -(span[1] - span[0])))
        stack = []
        for span in spans:
            while stack and stack[-1][1] <= span[0]:
                stack.pop()
            if stack and span[1] <= stack[-1][1]:
                stack[-1][3] += span[1] - span[0]
            stack.append(span)
        for start, end, name, children in spans:
            totals[name] = totals.get(name, 0.0) + max(0.0, end - start - children)
    return totals


def trace_profile(browser, context, url, node):
    """One load of the edit form under Chromium's tracing: main-thread self time by activity."""
    page = context.new_page()
    try:
        page.goto(node.base_url + "/dashboard.action")  # the same site: the tab keeps its process
        page.add_init_script(INIT_SCRIPT % {"profile": "false"})
        browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
        try:
            page.goto(url, wait_until="commit")
            page.wait_for_function(CARET_AT_END, arg=MARKER, polling="raf")
            page.keyboard.type(MARKER)
            page.wait_for_function("() => window.__bench.typed !== null && window.__bench.changed !== null")
            interactive = page.evaluate("() => Math.max(window.__bench.typed, window.__bench.changed)")
        finally:
            trace = json.loads(browser.stop_tracing())
    finally:
        page.close()
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    totals = self_times(events, "editpage.action")
    busy = sum(totals.values()) / 1000
    print(f"\nChromium trace of one edit-form load of the large page (interactive at {interactive:.0f} ms): "
          f"renderer main thread self time by trace event, ms ({busy:.0f} ms in traced events):")
    for name, micros in sorted(totals.items(), key=lambda item: -item[1])[:16]:
        print(f"  {name[:60]:60} {micros / 1000:8.1f}")


# What-if experiments, without changing the server or the bundle: a style sheet added before the
# page's own: off-screen blocks of the editor are not laid out or painted until they scroll near
# the viewport (`content-visibility: auto`).
def style_injection(css):
    return """
(() => {
  const style = document.createElement('style');
  style.textContent = %s;
  const observer = new MutationObserver(() => {
    if (document.documentElement) { document.documentElement.appendChild(style); observer.disconnect(); }
  });
  observer.observe(document, {childList: true, subtree: true});
})();
""" % json.dumps(css)


LAZY_BLOCKS = style_injection(
    ".cairn-editor-surface .ProseMirror > * { content-visibility: auto; contain-intrinsic-size: auto 120px; }")


def what_if(context, url, label, init, loads=6):
    base, changed = [], []
    for _ in range(loads):
        base.append(measure_edit(context, url))
        changed.append(measure_edit(context, url, extra_init=init))
    print(f"\nWhat if {label} ({loads} loads each, alternating, medians, ms):")
    for name, key in (("cairn-editor-ready", "ready"), ("interactive", "interactive"),
                      ("whole document in", "loaded"), ("key at the end", "at_end")):
        as_is = statistics.median(x[key] for x in base)
        other = statistics.median(x[key] for x in changed)
        print(f"  {name:20} as served {as_is:7.0f}   changed {other:7.0f}   ratio {other / as_is:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="measured loads per page and kind (default 10)")
    parser.add_argument("--profile", action="store_true", help="also say where the time goes (done anyway when the budget is missed)")
    arguments = parser.parse_args()
    runs = max(1, min(arguments.runs, 200))

    binary = os.environ["CAIRN_BIN"]
    if not Path(binary).exists():
        sys.exit(f"no cairn binary at {binary}: build it (cargo build -p cairn --release) or set CAIRN_BIN")
    started = time.time()
    node = Node()
    try:
        executable = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                      "--no-first-run", "--disable-component-update", "--disable-sync", "--no-proxy-server",
                      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
            )
            try:
                run(browser, node, binary, runs, arguments.profile)
            finally:
                browser.close()
    finally:
        node.stop()
    print(f"\n(finished in {time.time() - started:.0f} s)")


def run(browser, node, binary, runs, profile):
    context, page = signed_in_context(browser, node)
    rest(page, node, "POST", "/rest/api/space", {"key": "ENG", "name": "Engineering"})
    pages = []
    for label, target, seed in (("20 KB", SMALL_TARGET, 20), ("200 KB", LARGE_TARGET, 200)):
        storage = storage_page(target, seed)
        created = rest(page, node, "POST", "/rest/api/content", {
            "type": "page", "title": f"Long page {label}", "space": {"key": "ENG"},
            "body": {"storage": {"value": storage, "representation": "storage"}},
        })
        stored = rest(page, node, "GET", f"/rest/api/content/{created['id']}?expand=body.storage")
        stored_bytes = len(stored["body"]["storage"]["value"].encode())
        pages.append({"label": label, "id": created["id"], "bytes": len(storage.encode()),
                      "stored_bytes": stored_bytes})
    # What the driver itself adds: a no-op round trip from Python into an idle page and back.
    round_trips = []
    for _ in range(20):
        start = time.perf_counter()
        page.evaluate("() => 0")
        round_trips.append((time.perf_counter() - start) * 1000)
    page.close()

    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(node.base_url))
    for p in pages:
        p["view"] = f"{node.base_url}/pages/viewpage.action?pageId={p['id']}"
        p["edit"] = f"{node.base_url}/pages/editpage.action?pageId={p['id']}"
        p["edit_path"] = f"/pages/editpage.action?pageId={p['id']}"
        p["source_path"] = f"/pages/editpage.action?pageId={p['id']}&source=true"
        p["view_path"] = f"/pages/viewpage.action?pageId={p['id']}"
        p["results"] = {"view": [], "edit": [], "server_view": [], "server_edit": [], "server_source": []}

    print(f"cairn binary: {binary}")
    print(f"browser: Chromium {chromium_version(browser)} (headless), viewport 1280x900")
    print(f"machine: {machine()}")
    print(f"date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    for p in pages:
        print(f"page {p['label']}: {p['bytes']} bytes of storage sent, {p['stored_bytes']} stored (pageId {p['id']})")
    print(f"driver round trip (page.evaluate of a no-op, 20 times): median {statistics.median(round_trips):.1f} ms, "
          f"p90 {percentile(round_trips, 0.9):.1f} ms")

    # Cold: each page's first view and first edit in a new context (empty HTTP cache, except the
    # site's own script and style that signing in fetched), reported apart. Then one load of each
    # in the measuring context fills its cache (and V8's code cache) and is not counted.
    cold = {}
    for p in pages:
        for kind, measure in (("view", measure_view), ("edit", measure_edit)):
            fresh, sign_in = signed_in_context(browser, node)
            sign_in.close()
            cold[(p["label"], kind)] = measure(fresh, p[kind])
            fresh.close()
        measure_view(context, p["view"])
        measure_edit(context, p["edit"])
        edit_page = context.new_page()
        edit_page.goto(p["edit"], wait_until="load")
        p["document_chars"] = edit_page.evaluate(
            "() => (document.getElementById('cairn-editor-document') || {}).textContent?.length"
            " ?? document.querySelector('[data-cairn-editor]').dataset.document.length")
        edit_page.wait_for_function("() => document.querySelector('[data-cairn-editor]')?.dataset.loaded === 'true'")
        p["blocks"] = edit_page.evaluate("() => document.querySelector('.ProseMirror').childElementCount")
        edit_page.close()
        measure_server(node.base_url, cookie, p["edit_path"])

    # Interleaved: every round loads each page as a view and in the editor (order rotating), and
    # asks the server for each HTML, so a noisy moment falls on all of them alike.
    kinds = [(p, kind) for p in pages for kind in ("view", "edit")]
    for round_index in range(runs):
        shift = round_index % len(kinds)
        for p, kind in kinds[shift:] + kinds[:shift]:
            if kind == "view":
                p["results"]["view"].append(measure_view(context, p["view"]))
            else:
                p["results"]["edit"].append(measure_edit(context, p["edit"]))
        for p in pages:
            p["results"]["server_view"].append(measure_server(node.base_url, cookie, p["view_path"]))
            p["results"]["server_edit"].append(measure_server(node.base_url, cookie, p["edit_path"]))
            p["results"]["server_source"].append(measure_server(node.base_url, cookie, p["source_path"]))
        print(f"  round {round_index + 1}/{runs} done", file=sys.stderr)

    print(f"\n{runs} warm loads per page and measurement (fresh tab each, HTTP cache warm); ms since "
          "navigation start; the cold load is one more in a new browser context:\n")
    print("| page | measurement | median ms | p90 ms | cold first load ms |")
    print("|---|---|---:|---:|---:|")
    medians = {}
    for p in pages:
        r = p["results"]
        rows = [
            ("page view: load event", [x["load"] for x in r["view"]], cold[(p["label"], "view")]["load"]),
            ("edit form: HTML received", [x["html"] for x in r["edit"]], cold[(p["label"], "edit")]["html"]),
            ("edit form: cairn-editor-ready", [x["ready"] for x in r["edit"]], cold[(p["label"], "edit")]["ready"]),
            ("edit form: interactive (keystroke shown)", [x["interactive"] for x in r["edit"]],
             cold[(p["label"], "edit")]["interactive"]),
            ("edit form: whole document in the editor", [x["loaded"] for x in r["edit"]],
             cold[(p["label"], "edit")]["loaded"]),
            ("edit form: then a keystroke at its end shown", [x["at_end"] for x in r["edit"]],
             cold[(p["label"], "edit")]["at_end"]),
        ]
        for name, values, first in rows:
            median, p90 = summary(values)
            medians[(p["label"], name)] = median
            print(f"| {p['label']} | {name} | {median:.0f} | {p90:.0f} | {first:.0f} |")

    print("\nServer, HTML response (Python client on 127.0.0.1, new connection each; ms):\n")
    print("| page | request | first byte median | p90 | last byte median | p90 | HTML bytes |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for p in pages:
        r = p["results"]
        for name, key in (("page view", "server_view"), ("edit form (editor)", "server_edit"),
                          ("edit form, source mode (no conversion)", "server_source")):
            ttfb = summary([x["ttfb"] for x in r[key]])
            total = summary([x["total"] for x in r[key]])
            print(f"| {p['label']} | {name} | {ttfb[0]:.1f} | {ttfb[1]:.1f} | {total[0]:.1f} | {total[1]:.1f} "
                  f"| {r[key][-1]['bytes']} |")
        conversion = statistics.median(x["total"] for x in r["server_edit"]) - \
            statistics.median(x["total"] for x in r["server_source"])
        print(f"| {p['label']} | editor minus source mode (conversion + larger HTML) | | | {conversion:.1f} | | |")

    print()
    for p in pages:
        interactive = medians[(p["label"], "edit form: interactive (keystroke shown)")]
        view = medians[(p["label"], "page view: load event")]
        per_round = [e["interactive"] / v["load"] for e, v in zip(p["results"]["edit"], p["results"]["view"])]
        print(f"{p['label']} page ({p['bytes']} bytes of storage, editor document {p['document_chars']} chars, "
              f"{p['blocks']} top-level blocks): editor interactive / page view = "
              f"{interactive:.0f} / {view:.0f} = {interactive / view:.2f} (median of the per-round ratios "
              f"{statistics.median(per_round):.2f})")
    ratio = medians[("200 KB", "edit form: interactive (keystroke shown)")] / \
        medians[("20 KB", "edit form: interactive (keystroke shown)")]
    print(f"editor interactive, 200 KB / 20 KB = {ratio:.2f}")

    large = medians[("200 KB", "edit form: interactive (keystroke shown)")]
    verdict = "PASS" if large < INTERACTIVE_BUDGET_MS else "FAIL"
    print(f"\nBudget: 200 KB page interactive median {large:.0f} ms < {INTERACTIVE_BUDGET_MS:.0f} ms: {verdict}")
    sizes = bundle_sizes(context, node)
    bundle_verdict = "PASS" if sizes["js_gzip"] + sizes["css_gzip"] <= BUNDLE_BUDGET_BYTES else "FAIL"
    print(f"Bundle: editor.js {sizes['js_raw']} bytes, {sizes['js_gzip']} gzip -9; editor.css {sizes['css_raw']} "
          f"bytes, {sizes['css_gzip']} gzip -9; together {sizes['js_gzip'] + sizes['css_gzip']} gzipped "
          f"<= {BUNDLE_BUDGET_BYTES}: {bundle_verdict} (as served by the binary; "
          f"{'the same bytes as' if sizes['same_as_tree'] else 'DIFFERENT from'} crates/cairn-web/assets/editor)")

    if profile or verdict == "FAIL":
        large_page = pages[-1]
        samples = [measure_edit(context, large_page["edit"], profile=True) for _ in range(3)]
        print_profile(large_page["label"], samples)
        small_samples = [measure_edit(context, pages[0]["edit"], profile=True) for _ in range(3)]
        print_profile(pages[0]["label"], small_samples)
        for profiler in (lambda: what_if(context, large_page["edit"], "the editor's top-level blocks had "
                                         "content-visibility: auto", LAZY_BLOCKS),
                         lambda: trace_profile(browser, context, large_page["edit"], node),
                         lambda: cpu_profile(context, large_page["edit"], node)):
            try:
                profiler()
            except Exception as error:  # the profiles are a help, not measurements
                print(f"(no profile: {error})")
    context.close()


if __name__ == "__main__":
    main()
