// A long page is put into the editor in parts: the editor is created with the blocks that fill
// the first screens, so the person can read and type at once, and the rest follows in slices of
// a few dozen milliseconds each, one task after another, so a key typed meanwhile waits for one
// slice at most.
// Anything that needs the whole document (saving, the draft, `documentOf`) finishes the loading
// first, at once. The appended parts are not edits: they are kept out of the undo history and
// out of the change events.
//
// Why slices and not one part per idle callback: every transaction that changes the document
// while the editor has the focus makes ProseMirror read the selection back, which makes the
// browser lay the page out, and an idle callback comes at most once per frame; a 200 KB page
// then took a second and more after the first screen. A slice adds as many parts in one
// transaction as fit its time, measured on the slices before it.

import type { Editor, JSONContent } from "@tiptap/core";
import { Fragment } from "@tiptap/pm/model";

/** Transactions that append a part carry this meta key. */
export const LOADING_META = "cairnLoading";

/** Roughly what the first screens hold, in characters of the document's JSON. */
const FIRST_PART_CHARS = 12_000;
/** Each later part, in characters of JSON. */
const PART_CHARS = 8_000;
/** Milliseconds of work a slice aims at: a key typed during loading waits about this long. */
const SLICE_MS = 40;
/** Parts in the first slice's transaction, and at most in any. */
const FIRST_SLICE_PARTS = 4;
const MAX_SLICE_PARTS = 16;

/** Runs `run` in a task of its own, after input that is due; returns a canceller. */
function nextTask(run: () => void): () => void {
  const handle = window.setTimeout(run, 0);
  return () => window.clearTimeout(handle);
}

/** Splits a document's top-level blocks into the first part and the later ones. */
export function splitDocument(document: JSONContent): { first: JSONContent; rest: JSONContent[][] } {
  const blocks = document.content ?? [];
  const parts: JSONContent[][] = [];
  let part: JSONContent[] = [];
  let size = 0;
  for (const block of blocks) {
    const limit = parts.length === 0 ? FIRST_PART_CHARS : PART_CHARS;
    if (part.length > 0 && size >= limit) {
      parts.push(part);
      part = [];
      size = 0;
    }
    part.push(block);
    size += JSON.stringify(block).length;
  }
  if (part.length > 0 || parts.length === 0) parts.push(part);
  const [firstBlocks, ...rest] = parts;
  const first: JSONContent = { ...document, content: firstBlocks ?? [] };
  if (first.content?.length === 0) first.content = [{ type: "paragraph" }];
  return { first, rest };
}

/** Appends `rest` to the editor part by part; returns a function that appends what is left at
 * once (it is safe to call at any time, also once everything is in). */
export function loadRest(editor: Editor, rest: JSONContent[][], done: () => void): () => void {
  const queue = [...rest];
  // Where the next part goes: after the blocks loaded so far. Mapped through every edit, so
  // blocks the person adds after the last loaded block stay before the parts still to come.
  let boundary = editor.state.doc.content.size;
  let cancel: (() => void) | undefined;

  const follow = ({ transaction }: { transaction: import("@tiptap/pm/state").Transaction }) => {
    if (!transaction.getMeta(LOADING_META)) boundary = transaction.mapping.map(boundary, 1);
  };
  editor.on("transaction", follow);

  /** Appends the next `count` parts in one transaction (each transaction makes the browser lay
   * out the page again when the editor has the focus, as ProseMirror reads the selection back). */
  const appendNext = (count = 1): boolean => {
    const parts = queue.splice(0, count);
    if (parts.length === 0 || editor.isDestroyed) return false;
    const { schema, tr } = editor.state;
    const nodes = Fragment.fromArray(parts.flat().map((block) => schema.nodeFromJSON(block)));
    const at = Math.min(boundary, tr.doc.content.size);
    // Not an edit: no undo step, and no links made of URLs in the text (the page kept them as
    // text; the autolink plugin would also tokenise every part).
    tr.insert(at, nodes).setMeta(LOADING_META, true).setMeta("addToHistory", false).setMeta("preventAutolink", true);
    boundary = at + nodes.size;
    editor.view.dispatch(tr);
    return true;
  };
  const finish = () => {
    editor.off("transaction", follow);
    done();
  };
  // Milliseconds one part took in the slices so far (the first slice runs on cold code, so the
  // estimate only improves).
  let msPerPart: number | undefined;
  const slice = () => {
    cancel = undefined;
    const started = performance.now();
    do {
      const left = SLICE_MS - (performance.now() - started);
      const count = msPerPart === undefined
        ? FIRST_SLICE_PARTS
        : Math.max(1, Math.min(MAX_SLICE_PARTS, Math.floor(left / msPerPart)));
      const added = Math.min(count, queue.length);
      const before = performance.now();
      if (!appendNext(count)) break;
      msPerPart = (performance.now() - before) / added;
    } while (queue.length > 0 && performance.now() - started + (msPerPart ?? 0) < SLICE_MS);
    if (queue.length > 0 && !editor.isDestroyed) cancel = nextTask(slice);
    else finish();
  };
  if (queue.length > 0) cancel = nextTask(slice);
  else finish();

  return () => {
    if (cancel === undefined) return;
    cancel();
    cancel = undefined;
    appendNext(queue.length);
    finish();
  };
}
