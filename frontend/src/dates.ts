// Dates: the toolbar, "/date" and typing "//" (at the start of a line or after a space, as in
// Confluence) insert today's date as the `confluenceDate` atom (`<time datetime="YYYY-MM-DD"/>`)
// and move the focus to its date input, where Enter keeps the date and goes back to the text.

import { Extension, InputRule, type Editor } from "@tiptap/core";
import { NodeSelection } from "@tiptap/pm/state";
import { focusNodeControl, selectNodeBefore } from "./controls";

/** Today in the person's own time zone, as YYYY-MM-DD. */
export function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function insertDate(editor: Editor): void {
  editor.chain().focus().insertContent({ type: "confluenceDate", attrs: { datetime: today() } }).run();
  if (selectNodeBefore(editor, "confluenceDate")) focusNodeControl(editor);
}

export const DateShortcut = Extension.create({
  name: "cairnDateShortcut",
  addInputRules() {
    const editor = this.editor;
    const type = this.editor.schema.nodes.confluenceDate;
    return [
      new InputRule({
        find: /(?:^|\s)(\/\/)$/,
        handler: ({ state, range, match }) => {
          const start = range.from + match[0].length - match[1].length;
          const { tr } = state;
          tr.replaceWith(start, range.to, type.create({ datetime: today() }));
          tr.setSelection(NodeSelection.create(tr.doc, start));
          // The control appears once this transaction is applied.
          window.setTimeout(() => focusNodeControl(editor));
        },
      }),
    ];
  },
});
