// The editor's guesses about text: what pasted plain text counts as Markdown, what typed into the
// link dialog counts as a web address rather than a page title, and the names pasted images are
// attached under; how a macro form changes a macro's parameters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));

async function loadRules() {
  const directory = mkdtempSync(path.join(tmpdir(), "cairn-rules-"));
  try {
    const outfile = path.join(directory, "rules.mjs");
    await build({
      absWorkingDir: path.join(here, ".."),
      stdin: {
        contents: 'export { looksLikeMarkdown } from "./src/paste"; export { looksLikeAddress } from "./src/links"; export { attachmentName } from "./src/images"; export { flag, withParameters } from "./src/macros";',
        resolveDir: path.join(here, ".."),
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "node",
      outfile,
      logLevel: "error",
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const { looksLikeMarkdown, looksLikeAddress, attachmentName, flag, withParameters } = await loadRules();

test("plain text is Markdown when a line or a span says so", () => {
  for (const markdown of ["# Title", "## Steps\nmore", "- one\n- two", "* item", "1. first", "> quoted", "```\ncode\n```",
    "| a | b |\n|---|---|", "some **bold** words", "see [docs](https://example.com)", "run `make`"]) {
    assert.equal(looksLikeMarkdown(markdown), true, markdown);
  }
  for (const plain of ["just words", "a * b * c", "#hashtag", "(plain * text)", "price: 5 - 3", "2024.05.01", "** not bold **", "email me@example.com"]) {
    assert.equal(looksLikeMarkdown(plain), false, plain);
  }
});

test("the link dialog tells addresses from page titles", () => {
  for (const address of ["https://example.com", "mailto:a@b.c", "/display/DEV/Home", "#anchor", "example.com", "www.example.org/path", "../sibling"]) {
    assert.equal(looksLikeAddress(address), true, address);
  }
  for (const title of ["Release plan", "Q3 goals", "Runbook", "v1.2 notes", "Retro: March"]) {
    assert.equal(looksLikeAddress(title), false, title);
  }
});

test("a pasted image gets a name of its own; a named file keeps its name", () => {
  const when = new Date(2024, 4, 1, 12, 30, 45, 7);
  assert.equal(attachmentName({ name: "image.png", type: "image/png" }, when), "image-2024-05-01-12-30-45-007.png");
  assert.equal(attachmentName({ name: "", type: "image/jpeg" }, when), "image-2024-05-01-12-30-45-007.jpg");
  assert.equal(attachmentName({ name: "photo.png", type: "image/png" }, when), "photo.png");
});

test("a macro form sets the parameters it shows and keeps the others", () => {
  assert.deepEqual(withParameters({ maxLevel: "2", theme: "Midnight" }, { minLevel: "2", maxLevel: "" }), { minLevel: "2", theme: "Midnight" });
  assert.equal(withParameters({ depth: "2" }, { depth: "" }), null, "no parameter left");
  assert.equal(withParameters(null, { sort: "" }), null);
  assert.equal(flag(true, undefined), "true");
  assert.equal(flag(false, "true"), "", "an unchecked box removes a true");
  assert.equal(flag(false, "false"), "false", "and keeps an explicit false");
  assert.equal(flag(false, undefined), "");
});
