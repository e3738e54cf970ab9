// The slash menu: typing "/" at the start of a line or after a space opens a list of
// insertions, filtered by what follows the slash. The typed "/query" is removed before the
// chosen action runs.

import { ACTIONS, type Action } from "./actions";
import { suggestions } from "./suggest";

function matching(query: string): Action[] {
  const wanted = query.toLowerCase();
  return ACTIONS.filter((a) => a.slash && (a.id.includes(wanted) || a.label.toLowerCase().includes(wanted)));
}

export const SlashCommands = suggestions<Action>({
  name: "cairnSlashCommands",
  label: "Insert",
  className: "cairn-suggestions cairn-slash-menu",
  pattern: /(?:^|\s)(\/([\w-]*))$/,
  items: matching,
  text: (action) => action.label,
  choose(editor, typed, action) {
    editor.chain().focus().deleteRange({ from: typed.from, to: typed.to }).run();
    action.run(editor);
  },
});
