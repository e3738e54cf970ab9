// The editor's schema accepts every document the server writes: each editor document of the
// storage corpus (test/corpus-documents.json, kept current by cairn-format's tests) must load
// into the ProseMirror schema built from src/schema.ts, satisfy its content expressions, and
// keep every attribute the server wrote when TipTap writes it back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));

async function loadSchema() {
  const directory = mkdtempSync(path.join(tmpdir(), "cairn-schema-"));
  try {
    const outfile = path.join(directory, "schema.mjs");
    await build({
      absWorkingDir: path.join(here, ".."),
      stdin: {
        contents: 'import { getSchema } from "@tiptap/core"; import { extensions } from "./src/schema"; export const schema = getSchema(extensions());',
        resolveDir: path.join(here, ".."),
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "node",
      outfile,
      logLevel: "error",
    });
    return (await import(pathToFileURL(outfile).href)).schema;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Whether every attribute of `written` appears with the same value in `loaded`. ProseMirror
 * merges adjacent text with the same marks, so text is compared as one string per node. */
function assertAttributesKept(written, loaded, where) {
  for (const [name, value] of Object.entries(written.attrs ?? {})) {
    assert.deepEqual(loaded.attrs?.[name], value, `${where}.attrs.${name}`);
  }
  const text = (node) => (node.content ?? []).map((child) => child.text ?? "").join("");
  assert.equal(text(loaded), text(written), `${where} text`);
  const nonText = (node) => (node.content ?? []).filter((child) => child.type !== "text");
  const loadedChildren = nonText(loaded);
  nonText(written).forEach((child, index) =>
    assertAttributesKept(child, loadedChildren[index], `${where}.content[${index}]`));
}

const documents = JSON.parse(readFileSync(path.join(here, "corpus-documents.json"), "utf8"));
const schema = await loadSchema();

test("every corpus document loads into the editor schema unchanged", () => {
  assert.ok(documents.length > 40);
  documents.forEach((document, index) => {
    const node = schema.nodeFromJSON(document);
    node.check();
    assertAttributesKept(document, node.toJSON(), `document ${index}`);
  });
});

test("documents the server must refuse are refused by the schema too", () => {
  assert.throws(() => schema.nodeFromJSON({ type: "doc", content: [{ type: "video" }] }));
  assert.throws(() => schema.nodeFromJSON({ type: "doc", content: [{ type: "paragraph", content: [{ type: "text", text: "x", marks: [{ type: "blink" }] }] }] }));
});
