// The toolbar: one button per action (each with an accessible name), a text-style select and a
// colour picker, kept in sync with the selection.

import type { Editor } from "@tiptap/core";
import { ACTIONS, type Action } from "./actions";

const GROUP_NAMES: Record<string, string> = {
  history: "History", marks: "Text formatting", colour: "Text colour", lists: "Lists",
  blocks: "Blocks", table: "Table", macros: "Macros", insert: "Insert",
};

/** Short visible text of a button; the full name is its aria-label and tooltip. */
const ICONS: Record<string, string> = {
  undo: "↶", redo: "↷", bold: "B", italic: "I", underline: "U", strike: "S", code: "</>",
  subscript: "x₂", superscript: "x²", link: "🔗", uncolour: "A̸", bullets: "•", numbers: "1.",
  tasks: "☑", quote: "❝", rule: "―", "code-block": "{ }", table: "▦", "row-before": "↥row",
  "row-after": "↧row", "row-delete": "✕row", "column-before": "↤col", "column-after": "↦col",
  "column-delete": "✕col", "header-row": "H row", "merge-cells": "merge", "split-cell": "split",
  "table-delete": "✕▦", info: "ℹ", note: "✎", tip: "✓", warning: "⚠", panel: "▢", expand: "▸",
  status: "●", toc: "☰", anchor: "⚓", "edit-macro": "⚙", image: "🖼", "image-url": "🌐", emoticon: "☺",
  date: "📅", mention: "@",
};

function accessibleName(action: Action): string {
  return action.shortcut ? `${action.label} (${action.shortcut})` : action.label;
}

export function createToolbar(editor: Editor): HTMLElement {
  const toolbar = document.createElement("div");
  toolbar.className = "cairn-toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Editor toolbar");

  const textStyle = document.createElement("select");
  textStyle.setAttribute("aria-label", "Text style");
  const styles: Array<[string, string]> = [["paragraph", "Paragraph"], ...[1, 2, 3, 4, 5, 6].map((n): [string, string] => [`h${n}`, `Heading ${n}`])];
  for (const [value, label] of styles) textStyle.add(new Option(label, value));
  textStyle.addEventListener("change", () => ACTIONS.find((a) => a.id === textStyle.value)?.run(editor));
  toolbar.append(textStyle);

  const buttons: Array<[Action, HTMLButtonElement]> = [];
  const groups = new Map<string, HTMLElement>();
  for (const action of ACTIONS) {
    if (!action.group) continue;
    let group = groups.get(action.group);
    if (!group) {
      group = document.createElement("div");
      group.className = "cairn-toolbar-group";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", GROUP_NAMES[action.group] ?? action.group);
      groups.set(action.group, group);
      toolbar.append(group);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = `cairn-button cairn-button-${action.id}`;
    button.textContent = ICONS[action.id] ?? action.label;
    button.title = accessibleName(action);
    button.setAttribute("aria-label", accessibleName(action));
    // Keep the editor's selection: a mousedown on a button would otherwise blur it.
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => action.run(editor));
    group.append(button);
    buttons.push([action, button]);
    if (action.id === "uncolour") {
      const colour = document.createElement("input");
      colour.type = "color";
      colour.className = "cairn-colour";
      colour.setAttribute("aria-label", "Text colour");
      colour.addEventListener("input", () => editor.chain().focus().setColor(colour.value).run());
      group.insertBefore(colour, button);
    }
  }

  const refresh = () => {
    for (const [action, button] of buttons) {
      if (action.isActive) button.setAttribute("aria-pressed", String(action.isActive(editor)));
      button.disabled = action.isEnabled ? !action.isEnabled(editor) : false;
    }
    const level = [1, 2, 3, 4, 5, 6].find((n) => editor.isActive("heading", { level: n }));
    textStyle.value = level ? `h${level}` : "paragraph";
  };
  editor.on("selectionUpdate", refresh);
  editor.on("transaction", refresh);
  refresh();
  return toolbar;
}
