// Emoticons: Confluence's text shortcuts (":)" becomes a smile as the ")" is typed, at the start
// of a line or after a space) and a picker of the common ones. Both insert the
// `confluenceEmoticon` atom, stored as `<ac:emoticon ac:name="smile"/>`.

import { Extension, InputRule, type Editor } from "@tiptap/core";
import { showPopover } from "./popover";
import { EMOTICONS } from "./schema";

interface Emoticon {
  /** Confluence's name (`ac:name`). */
  name: string;
  label: string;
  /** What typing inserts it. */
  typed: string[];
}

export const PICKER_EMOTICONS: Emoticon[] = [
  { name: "smile", label: "Smile", typed: [":)", ":-)"] },
  { name: "sad", label: "Sad", typed: [":(", ":-("] },
  { name: "cheeky", label: "Cheeky", typed: [":P", ":p", ":-P", ":-p"] },
  { name: "laugh", label: "Laugh", typed: [":D", ":-D"] },
  { name: "wink", label: "Wink", typed: [";)", ";-)"] },
  { name: "thumbs-up", label: "Thumbs up", typed: ["(y)"] },
  { name: "thumbs-down", label: "Thumbs down", typed: ["(n)"] },
  { name: "information", label: "Information", typed: ["(i)"] },
  { name: "tick", label: "Tick", typed: ["(/)"] },
  { name: "cross", label: "Cross", typed: ["(x)"] },
  { name: "warning", label: "Warning", typed: ["(!)"] },
  { name: "question", label: "Question", typed: ["(?)"] },
  { name: "plus", label: "Plus", typed: ["(+)"] },
  { name: "minus", label: "Minus", typed: ["(-)"] },
  { name: "light-on", label: "Light on", typed: ["(on)"] },
  { name: "yellow-star", label: "Star", typed: ["(*)"] },
  // "<3" is left out: it is too often "less than 3".
  { name: "heart", label: "Heart", typed: [] },
];

const BY_TYPED = new Map(PICKER_EMOTICONS.flatMap((e) => e.typed.map((typed): [string, string] => [typed, e.name])));

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Longest shortcuts first, so that ":-)" is not read as "-)" after a colon. */
const TYPED = new RegExp(`(?:^|\\s)(${[...BY_TYPED.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|")})$`);

export function insertEmoticon(editor: Editor, name: string): void {
  editor.chain().focus().insertContent({ type: "confluenceEmoticon", attrs: { name } }).run();
}

/** Opens the picker at the cursor; choosing inserts there. */
export function pickEmoticon(editor: Editor): void {
  showPopover(editor, "Emoticons", "cairn-emoticon-picker", PICKER_EMOTICONS.map((emoticon) => ({
    label: emoticon.label,
    text: EMOTICONS[emoticon.name] ?? emoticon.name,
    title: emoticon.typed.length ? `${emoticon.label} ${emoticon.typed[0]}` : emoticon.label,
    choose: () => insertEmoticon(editor, emoticon.name),
  })));
}

export const EmoticonShortcuts = Extension.create({
  name: "cairnEmoticonShortcuts",
  addInputRules() {
    const type = this.editor.schema.nodes.confluenceEmoticon;
    return [
      new InputRule({
        find: TYPED,
        handler: ({ state, range, match }) => {
          const name = BY_TYPED.get(match[1]);
          if (!name) return null;
          // The range covers the space before the shortcut too; the last character is not in
          // the document yet.
          const start = range.from + match[0].length - match[1].length;
          state.tr.replaceWith(start, range.to, type.create({ name }));
        },
      }),
    ];
  },
});
