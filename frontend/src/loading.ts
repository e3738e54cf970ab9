// A long page is put into the editor in parts: the editor is created with the blocks that fill
// the first screens, so the person can read and type at once, and the rest follows in small
// parts while the browser is otherwise idle (between frames, after input), so keys typed
// meanwhile are handled first.
// Anything that needs the whole document (saving, the draft, `documentOf`) finishes the loading
// first, at once. The appended parts are not edits: they are kept out of the undo history and
// out of the change events.

import type { Editor, JSONContent } from "@tiptap/core";
import { Fragment } from "@tiptap/pm/model";

/** Transactions that append a part carry this meta key. */
export const LOADING_META = "cairnLoading";

/** Roughly what the first screens hold, in characters of the document's JSON. */
const FIRST_PART_CHARS = 12_000;
/** Each later part, in characters of JSON (a few milliseconds of work each). */
const PART_CHARS = 8_000;
/** Milliseconds of an idle period a part may take; a part is added anyway after `MAX_WAIT`. */
const IDLE_SLICE = 8;
const MAX_WAIT = 250;
/** Parts added together when the browser has not been idle for `MAX_WAIT`. */
const PARTS_WHEN_BUSY = 4;

type Idle = { timeRemaining(): number; didTimeout: boolean };

/** Calls `run` when the browser is idle (or after `MAX_WAIT`); returns a canceller. */
function whenIdle(run: (idle: Idle) => void): () => void {
  if (typeof window.requestIdleCallback === "function") {
    const handle = window.requestIdleCallback(run, { timeout: MAX_WAIT });
    return () => window.cancelIdleCallback(handle);
  }
  const handle = window.setTimeout(() => run({ timeRemaining: () => IDLE_SLICE, didTimeout: true }), 0);
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
    tr.insert(at, nodes).setMeta(LOADING_META, true).setMeta("addToHistory", false);
    boundary = at + nodes.size;
    editor.view.dispatch(tr);
    return true;
  };
  const finish = () => {
    editor.off("transaction", follow);
    done();
  };
  const step = (idle: Idle) => {
    cancel = undefined;
    // One part while the browser is idle and more while the idle period lasts; when it has
    // not been idle for a while, several at once.
    const count = idle.didTimeout ? PARTS_WHEN_BUSY : 1;
    while (appendNext(count) && queue.length > 0 && idle.timeRemaining() > IDLE_SLICE) {
      // the next part
    }
    if (queue.length > 0 && !editor.isDestroyed) cancel = whenIdle(step);
    else finish();
  };
  if (queue.length > 0) cancel = whenIdle(step);
  else finish();

  return () => {
    if (cancel === undefined) return;
    cancel();
    cancel = undefined;
    appendNext(queue.length);
    finish();
  };
}
