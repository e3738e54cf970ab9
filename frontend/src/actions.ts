// Every editing action, described once and used by the toolbar, the slash menu and shortcuts.

import type { Editor } from "@tiptap/core";
import { contextOf } from "./context";
import { insertDate } from "./dates";
import { pickEmoticon } from "./emoticons";
import { insertImageFromUrl, pickImageFiles } from "./images";
import { editLink } from "./links";
import { editSelectedMacro, selectedMacro, insertAnchor, insertBlockMacro, insertCodeBlock, insertExpand, insertPanel, insertStatus } from "./macros";
import { PANEL_TYPES } from "./schema";

export interface Action {
  /** Stable identifier, also used as the slash-menu keyword. */
  id: string;
  /** Accessible name and menu text. */
  label: string;
  /** Toolbar group; actions without one appear only in the slash menu. */
  group?: string;
  /** Offered by the slash menu (insertions). */
  slash?: boolean;
  /** Keyboard shortcut shown in the accessible name. */
  shortcut?: string;
  run(editor: Editor): void;
  isActive?(editor: Editor): boolean;
  isEnabled?(editor: Editor): boolean;
}

/** Types "@" (after a space when needed): the names typed next are looked up. */
function startMention(editor: Editor): void {
  const { $from } = editor.state.selection;
  const before = $from.parent.textBetween(0, $from.parentOffset, undefined, "\ufffc");
  editor.chain().focus().insertContent(before === "" || /\s$/.test(before) ? "@" : " @").run();
  contextOf(editor).announce("Type the first letters of a name to choose whom to mention.");
}

const heading = (level: 1 | 2 | 3 | 4 | 5 | 6): Action => ({
  id: `h${level}`,
  label: `Heading ${level}`,
  slash: true,
  shortcut: `Ctrl+Alt+${level}`,
  run: (e) => e.chain().focus().toggleHeading({ level }).run(),
  isActive: (e) => e.isActive("heading", { level }),
});

const mark = (id: string, label: string, shortcut: string | undefined, name: string, toggle: (e: Editor) => boolean): Action => ({
  id, label, group: "marks", shortcut, run: (e) => void toggle(e), isActive: (e) => e.isActive(name),
});

export const ACTIONS: Action[] = [
  { id: "undo", label: "Undo", group: "history", shortcut: "Ctrl+Z", run: (e) => e.chain().focus().undo().run(), isEnabled: (e) => e.can().undo() },
  { id: "redo", label: "Redo", group: "history", shortcut: "Ctrl+Shift+Z", run: (e) => e.chain().focus().redo().run(), isEnabled: (e) => e.can().redo() },
  { id: "paragraph", label: "Paragraph", slash: true, shortcut: "Ctrl+Alt+0", run: (e) => e.chain().focus().setParagraph().run(), isActive: (e) => e.isActive("paragraph") },
  heading(1), heading(2), heading(3), heading(4), heading(5), heading(6),
  mark("bold", "Bold", "Ctrl+B", "bold", (e) => e.chain().focus().toggleBold().run()),
  mark("italic", "Italic", "Ctrl+I", "italic", (e) => e.chain().focus().toggleItalic().run()),
  mark("underline", "Underline", "Ctrl+U", "underline", (e) => e.chain().focus().toggleUnderline().run()),
  mark("strike", "Strikethrough", "Ctrl+Shift+S", "strike", (e) => e.chain().focus().toggleStrike().run()),
  mark("code", "Inline code", "Ctrl+E", "code", (e) => e.chain().focus().toggleCode().run()),
  mark("subscript", "Subscript", "Ctrl+,", "subscript", (e) => e.chain().focus().toggleSubscript().run()),
  mark("superscript", "Superscript", "Ctrl+.", "superscript", (e) => e.chain().focus().toggleSuperscript().run()),
  { id: "link", label: "Link", group: "marks", slash: true, shortcut: "Ctrl+K", run: editLink, isActive: (e) => e.isActive("link") || e.isActive("confluenceLink") },
  { id: "uncolour", label: "Remove text colour", group: "colour", run: (e) => e.chain().focus().unsetColor().run() },
  { id: "bullets", label: "Bullet list", group: "lists", slash: true, shortcut: "Ctrl+Shift+8", run: (e) => e.chain().focus().toggleBulletList().run(), isActive: (e) => e.isActive("bulletList") },
  { id: "numbers", label: "Numbered list", group: "lists", slash: true, shortcut: "Ctrl+Shift+7", run: (e) => e.chain().focus().toggleOrderedList().run(), isActive: (e) => e.isActive("orderedList") },
  { id: "tasks", label: "Task list", group: "lists", slash: true, shortcut: "Ctrl+Shift+9", run: (e) => e.chain().focus().toggleTaskList().run(), isActive: (e) => e.isActive("taskList") },
  { id: "quote", label: "Quote", group: "blocks", slash: true, shortcut: "Ctrl+Shift+B", run: (e) => e.chain().focus().toggleBlockquote().run(), isActive: (e) => e.isActive("blockquote") },
  { id: "rule", label: "Horizontal rule", group: "blocks", slash: true, run: (e) => e.chain().focus().setHorizontalRule().run() },
  { id: "code-block", label: "Code block", group: "blocks", slash: true, shortcut: "Ctrl+Alt+C", run: insertCodeBlock, isActive: (e) => e.isActive("codeBlock") },
  { id: "table", label: "Insert table", group: "table", slash: true, run: (e) => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run() },
  { id: "row-before", label: "Add row above", group: "table", run: (e) => e.chain().focus().addRowBefore().run(), isEnabled: (e) => e.can().addRowBefore() },
  { id: "row-after", label: "Add row below", group: "table", run: (e) => e.chain().focus().addRowAfter().run(), isEnabled: (e) => e.can().addRowAfter() },
  { id: "row-delete", label: "Delete row", group: "table", run: (e) => e.chain().focus().deleteRow().run(), isEnabled: (e) => e.can().deleteRow() },
  { id: "column-before", label: "Add column left", group: "table", run: (e) => e.chain().focus().addColumnBefore().run(), isEnabled: (e) => e.can().addColumnBefore() },
  { id: "column-after", label: "Add column right", group: "table", run: (e) => e.chain().focus().addColumnAfter().run(), isEnabled: (e) => e.can().addColumnAfter() },
  { id: "column-delete", label: "Delete column", group: "table", run: (e) => e.chain().focus().deleteColumn().run(), isEnabled: (e) => e.can().deleteColumn() },
  { id: "header-row", label: "Toggle header row", group: "table", run: (e) => e.chain().focus().toggleHeaderRow().run(), isEnabled: (e) => e.can().toggleHeaderRow() },
  { id: "merge-cells", label: "Merge cells", group: "table", run: (e) => e.chain().focus().mergeCells().run(), isEnabled: (e) => e.can().mergeCells() },
  { id: "split-cell", label: "Split cell", group: "table", run: (e) => e.chain().focus().splitCell().run(), isEnabled: (e) => e.can().splitCell() },
  { id: "table-delete", label: "Delete table", group: "table", run: (e) => e.chain().focus().deleteTable().run(), isEnabled: (e) => e.can().deleteTable() },
  ...PANEL_TYPES.map((panelType): Action => ({
    id: panelType,
    label: `${panelType[0].toUpperCase()}${panelType.slice(1)} panel`,
    group: "macros",
    slash: true,
    run: (e) => insertPanel(e, panelType),
  })),
  { id: "expand", label: "Expand", group: "macros", slash: true, run: insertExpand },
  { id: "status", label: "Status", group: "macros", slash: true, run: insertStatus },
  { id: "toc", label: "Table of contents", group: "macros", slash: true, run: (e) => insertBlockMacro(e, "toc") },
  { id: "children", label: "Child pages", group: "macros", slash: true, run: (e) => insertBlockMacro(e, "children") },
  { id: "anchor", label: "Anchor", group: "macros", slash: true, run: insertAnchor },
  { id: "edit-macro", label: "Edit macro parameters", group: "macros", run: (e) => void editSelectedMacro(e), isEnabled: (e) => selectedMacro(e) !== null },
  { id: "image", label: "Insert image", group: "insert", slash: true, run: pickImageFiles },
  { id: "image-url", label: "Image from a web address", group: "insert", slash: true, run: insertImageFromUrl },
  { id: "emoticon", label: "Insert emoticon", group: "insert", slash: true, run: pickEmoticon },
  { id: "date", label: "Insert date", group: "insert", slash: true, run: insertDate },
  { id: "mention", label: "Mention someone", group: "insert", slash: true, run: startMention },
];
