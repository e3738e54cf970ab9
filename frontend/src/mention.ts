// @mentions: typing "@" at the start of a line or after a space, then a few letters, lists the
// people whose name or username matches (`GET /rest/cairn/1/editor/users`). Choosing one replaces
// "@text" with a mention of that person (stored as `<ac:link><ri:user ri:userkey="…"/></ac:link>`).

import { suggestUsers, type SuggestedUser } from "./requests";
import { suggestions } from "./suggest";

export const Mentions = suggestions<SuggestedUser>({
  name: "cairnMentions",
  label: "People to mention",
  className: "cairn-suggestions cairn-mention-menu",
  pattern: /(?:^|\s)(@([\p{L}\p{N}][\p{L}\p{N}._'-]{0,49}))$/u,
  items: suggestUsers,
  text: (user) => `${user.displayName} (${user.username})`,
  choose(editor, typed, user) {
    editor.chain().focus().insertContentAt({ from: typed.from, to: typed.to }, [
      { type: "confluenceMention", attrs: { userKey: user.userKey, label: user.displayName } },
      { type: "text", text: " " },
    ]).run();
  },
});
