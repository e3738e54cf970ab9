// A long page is put into the editor in parts: the editor is created with the blocks that fill
// the first screens, so the person can read and type at once, and the rest follows in small
// parts, each in a task of its own, so keys typed meanwhile are handled between two parts.
// Anything that needs the whole document (saving, the draft, `documentOf`) finishes the loading
// first, at once. The appended parts are not edits: they are kept out of the undo history and
// out of the change events.

import type { Editor, JSONContent } from "@tiptap/core";
import { Fragment } from "@tiptap/pm/model";

/** Transactions that append a part carry this meta key. */
export const LOADING_META = "cairnLoading";

/** Roughly what the first screens hold, in characters of the document's JSON. */
const FIRST_PART_CHARS = 24_000;
/** Each later part, in characters of JSON (a few milliseconds of work each). */
const PART_CHARS = 12_000;

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
  let timer: number | undefined;

  const follow = ({ transaction }: { transaction: import("@tiptap/pm/state").Transaction }) => {
    if (!transaction.getMeta(LOADING_META)) boundary = transaction.mapping.map(boundary, 1);
  };
  editor.on("transaction", follow);

  const appendNext = (): boolean => {
    const part = queue.shift();
    if (!part || editor.isDestroyed) return false;
    const { schema, tr } = editor.state;
    const nodes = Fragment.fromArray(part.map((block) => schema.nodeFromJSON(block)));
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
  const step = () => {
    timer = undefined;
    if (appendNext() && queue.length > 0) timer = window.setTimeout(step, 0);
    else finish();
  };
  if (queue.length > 0) timer = window.setTimeout(step, 0);
  else finish();

  return () => {
    if (timer === undefined) return;
    window.clearTimeout(timer);
    timer = undefined;
    while (appendNext()) {
      // every remaining part, now
    }
    finish();
  };
}
