// The toolbar: one button per action (each with an accessible name), a text-style select and a
// colour picker, kept in sync with the selection.

import type { Editor } from "@tiptap/core";
import { returnFocus, takeBrowserSelection } from "./context";
import { ACTIONS, type Action } from "./actions";
import { LOADING_META } from "./loading";

const GROUP_NAMES: Record<string, string> = {
  history: "History", marks: "Text formatting", colour: "Text colour", lists: "Lists",
  blocks: "Blocks", table: "Table", macros: "Macros", insert: "Insert",
};

/** Short visible text of a button, in characters every font has; the full name is its aria-label
 * and tooltip. Buttons without one show a drawn icon (`ICON_PATHS`) or, failing that, their label. */
const TEXT_ICONS: Record<string, string> = {
  bold: "B", italic: "I", underline: "U", strike: "S", code: "</>", numbers: "1.", "code-block": "{ }", mention: "@",
};

/** Drawn icons: SVG path data on a 16×16 grid, stroked in the text colour. A zero-length segment
 * ("v.01") draws a dot. Drawn here rather than typed as symbols, which many systems lack fonts for. */
const ICON_PATHS: Record<string, string> = {
  undo: "M5 3 2 6l3 3M2 6h8a4 4 0 0 1 0 8H7",
  redo: "M11 3l3 3-3 3M14 6H6a4 4 0 0 0 0 8h3",
  link: "M6.5 9.5l3-3M8 4.5 9.5 3A2.5 2.5 0 0 1 13 6.5L11.5 8M8 11.5 6.5 13A2.5 2.5 0 0 1 3 9.5L4.5 8",
  uncolour: "M4 13 8 3l4 10M5.6 9h4.8M2 14 14 2",
  bullets: "M3 4v.01M3 8v.01M3 12v.01M6 4h8M6 8h8M6 12h8",
  tasks: "M2.5 4.5h5v5h-5zM3.7 7l1.3 1.3L9 3.5M10.5 7.5H14M2.5 13H14",
  quote: "M3 12V8.5C3 6 4.2 4.5 6.5 4M9 12V8.5C9 6 10.2 4.5 12.5 4M3 8.5h3V12H3M9 8.5h3V12H9",
  rule: "M2 8h12",
  table: "M2 3h12v10H2zM2 6.5h12M2 9.8h12M6 3v10M10 3v10",
  "row-before": "M2 8h12v5H2zM2 10.5h12M8 1.5v5M5.5 4h5",
  "row-after": "M2 3h12v5H2zM2 5.5h12M8 9.5v5M5.5 12h5",
  "row-delete": "M2 2h12v5H2zM6 9.5l4 4M10 9.5l-4 4",
  "column-before": "M8 2h5v12H8zM10.5 2v12M1.5 8h5M4 5.5v5",
  "column-after": "M3 2h5v12H3zM5.5 2v12M9.5 8h5M12 5.5v5",
  "column-delete": "M2 2h5v12H2zM9.5 6l4 4M13.5 6l-4 4",
  "header-row": "M2 3h12v10H2zM2 5h12M2 7h12M6 7v6M10 7v6",
  "merge-cells": "M2 4h12v8H2zM3.5 8H7M5.5 6.5 7 8 5.5 9.5M12.5 8H9M10.5 6.5 9 8l1.5 1.5",
  "split-cell": "M2 4h12v8H2zM8 4v8M7 8H3.5M5 6.5 3.5 8 5 9.5M9 8h3.5M11 6.5 12.5 8 11 9.5",
  "table-delete": "M2 2h9v7H2zM2 5.5h9M6.5 2v7M10 10.5l4 4M14 10.5l-4 4",
  info: "M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 1 0 0-13M8 7v4.5M8 4.5v.01",
  note: "M3 13l.5-2.5L11 3l2 2-7.5 7.5zM9.5 4.5l2 2",
  tip: "M3 8.5 6.5 12 13 4",
  warning: "M8 2l6.5 11.5h-13zM8 6.5v3M8 11.5v.01",
  panel: "M2.5 2.5h11v11h-11zM2.5 5.5h11",
  expand: "M6 4l4 4-4 4",
  status: "M5 5h6a3 3 0 0 1 0 6H5a3 3 0 0 1 0-6",
  toc: "M2 4h12M4.5 8H14M7 12h7",
  children: "M3 2.5V12h3.5M3 7h3.5M8.5 2.5H14M8.5 7H14M8.5 12H14",
  anchor: "M8 4v10M5 7h6M2.5 9.5C3 12.5 5.5 14 8 14s5-1.5 5.5-4.5M8 1.5a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 1 0 0-2.5",
  "edit-macro": "M2 4h12M2 8h12M2 12h12M5 2.5v3M11 6.5v3M7 10.5v3",
  image: "M2 3h12v10H2zM2 11l4-4 3 3 2-2 3 3M10.5 5.5v.01",
  "image-url": "M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 1 0 0-13M1.5 8h13M8 1.5c-2.5 2.5-2.5 10.5 0 13M8 1.5c2.5 2.5 2.5 10.5 0 13",
  emoticon: "M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 1 0 0-13M5.5 9.5c1 1.5 4 1.5 5 0M6 6v.01M10 6v.01",
  date: "M2 3.5h12V14H2zM2 6.5h12M5 2v3M11 2v3",
};

const SVG = "http://www.w3.org/2000/svg";

function drawnIcon(path: string): SVGSVGElement {
  const icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 16 16");
  icon.setAttribute("width", "16");
  icon.setAttribute("height", "16");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  icon.classList.add("cairn-icon");
  const stroke = document.createElementNS(SVG, "path");
  stroke.setAttribute("d", path);
  icon.append(stroke);
  return icon;
}

/** What a button shows: x with a lowered or raised 2 for sub- and superscript, else its icon. */
function buttonFace(action: Action): Node[] {
  if (action.id === "subscript" || action.id === "superscript") {
    const index = document.createElement(action.id === "subscript" ? "sub" : "sup");
    index.textContent = "2";
    return [document.createTextNode("x"), index];
  }
  const path = ICON_PATHS[action.id];
  return [path ? drawnIcon(path) : document.createTextNode(TEXT_ICONS[action.id] ?? action.label)];
}

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
  textStyle.addEventListener("focus", () => takeBrowserSelection(editor));
  textStyle.addEventListener("change", () => {
    ACTIONS.find((a) => a.id === textStyle.value)?.run(editor);
    returnFocus(editor);
  });
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
    button.replaceChildren(...buttonFace(action));
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
      colour.addEventListener("focus", () => takeBrowserSelection(editor));
      colour.addEventListener("input", () => {
        editor.chain().setColor(colour.value).run();
        returnFocus(editor);
      });
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
  // A part of a long page being added changes neither the selection nor its marks.
  editor.on("transaction", ({ transaction }) => {
    if (!transaction.getMeta(LOADING_META)) refresh();
  });
  refresh();
  return toolbar;
}
