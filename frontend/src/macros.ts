// The forms of the macros the editor knows: status, anchor, code block, the panels, expand, table
// of contents and child pages. Inserting a macro opens its form first (Cancel inserts nothing);
// "Edit macro parameters", a double click or Enter on a selected macro opens the same form filled
// in. Each form writes only attributes the server reads back (frontend/README.md, "Node schema"):
// the parameters a node does not surface as attributes go to its `parameters` map, and the
// parameters a form does not show are kept as they were.

import { Extension, type Editor } from "@tiptap/core";
import type { Node as ProseMirrorNode } from "@tiptap/pm/model";
import { NodeSelection, Plugin } from "@tiptap/pm/state";
import { checkbox, field, selectInput, showDialog, textInput } from "./dialog";
import { PANEL_TYPES, STATUS_COLOURS } from "./schema";

type Attributes = Record<string, any>;
type Parameters = Record<string, string>;

/** The languages Confluence's code macro offers most; "" is none. */
export const CODE_LANGUAGES: ReadonlyArray<readonly [string, string]> = [
  ["", "None"], ["bash", "Bash"], ["c", "C"], ["cpp", "C++"], ["csharp", "C#"], ["css", "CSS"],
  ["diff", "Diff"], ["go", "Go"], ["xml", "HTML/XML"], ["java", "Java"], ["javascript", "JavaScript"],
  ["json", "JSON"], ["kotlin", "Kotlin"], ["php", "PHP"], ["python", "Python"], ["ruby", "Ruby"],
  ["rust", "Rust"], ["sql", "SQL"], ["swift", "Swift"], ["typescript", "TypeScript"], ["yaml", "YAML"],
];

const HEADING_LEVELS: ReadonlyArray<readonly [string, string]> = [
  ["", "Default"], ...["1", "2", "3", "4", "5", "6"].map((level) => [level, level] as const),
];
const TOC_STYLES: ReadonlyArray<readonly [string, string]> = [
  ["", "Default"], ["none", "None"], ["disc", "Disc"], ["circle", "Circle"], ["square", "Square"],
  ["decimal", "Decimal"], ["lower-alpha", "Lower alpha"], ["lower-roman", "Lower roman"], ["upper-roman", "Upper roman"],
];
const CHILDREN_DEPTHS: ReadonlyArray<readonly [string, string]> = [
  ["", "1 (default)"], ["2", "2"], ["3", "3"], ["4", "4"], ["5", "5"], ["all", "All levels"],
];
const CHILDREN_SORTS: ReadonlyArray<readonly [string, string]> = [
  ["", "Page tree order"], ["title", "Title"], ["creation", "Creation date"], ["modified", "Last modified"],
];

function capitalised(text: string): string {
  return `${text[0].toUpperCase()}${text.slice(1)}`;
}

/** `parameters` with `changes` applied: an empty value removes the parameter; null when none is left. */
export function withParameters(parameters: Parameters | null, changes: Record<string, string>): Parameters | null {
  const result: Parameters = { ...(parameters ?? {}) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === "") delete result[name];
    else result[name] = value;
  }
  return Object.keys(result).length > 0 ? result : null;
}

/** "true" when checked; unchecked removes the parameter, or keeps an explicit "false". */
export function flag(checked: boolean, before: string | undefined): string {
  if (checked) return "true";
  return before !== undefined && before !== "true" ? before : "";
}

/** What a submitted form does with the attributes it gathered. */
type Apply = (attrs: Attributes) => void;

function statusForm(editor: Editor, attrs: Attributes, editing: boolean, apply: Apply): void {
  const title = textInput(attrs.title ?? "");
  const colour = selectInput(STATUS_COLOURS.map((c) => [c, c] as const), attrs.colour ?? "Grey");
  const preview = document.createElement("span");
  const previewRow = document.createElement("p");
  previewRow.className = "cairn-dialog-preview";
  previewRow.append("Preview: ", preview);
  const refresh = () => {
    preview.className = `cairn-atom cairn-status cairn-status-${colour.value.toLowerCase()}`;
    preview.textContent = (title.value.trim() || "Status").toUpperCase();
  };
  title.addEventListener("input", refresh);
  colour.addEventListener("change", refresh);
  refresh();
  showDialog(editor, {
    title: editing ? "Edit status" : "Insert status",
    className: "cairn-macro-form",
    content: [field("Text", title), field("Colour", colour), previewRow],
    submitLabel: editing ? "Save" : "Insert",
    submit(close) {
      const text = title.value.trim();
      if (!text) return "Give the status a text.";
      close();
      apply({ title: text, colour: colour.value });
    },
  });
}

function anchorForm(editor: Editor, attrs: Attributes, editing: boolean, apply: Apply): void {
  const name = textInput(attrs.name ?? "");
  showDialog(editor, {
    title: editing ? "Edit anchor" : "Insert anchor",
    className: "cairn-macro-form",
    content: [field("Anchor name", name)],
    submitLabel: editing ? "Save" : "Insert",
    submit(close) {
      const text = name.value.trim();
      if (!text) return "Give the anchor a name.";
      close();
      apply({ name: text });
    },
  });
}

function codeForm(editor: Editor, attrs: Attributes, editing: boolean, apply: Apply): void {
  const parameters: Parameters = attrs.parameters ?? {};
  const language = selectInput(CODE_LANGUAGES, attrs.language ?? "");
  const title = textInput(attrs.title ?? "");
  const collapse = checkbox("Collapse", parameters.collapse === "true");
  const lineNumbers = checkbox("Line numbers", parameters.linenumbers === "true");
  showDialog(editor, {
    title: editing ? "Edit code block" : "Insert code block",
    className: "cairn-macro-form",
    content: [field("Language", language), field("Title", title), collapse.element, lineNumbers.element],
    submitLabel: editing ? "Save" : "Insert",
    submit(close) {
      close();
      apply({
        language: language.value || null,
        title: title.value.trim() || null,
        parameters: withParameters(attrs.parameters, {
          collapse: flag(collapse.input.checked, parameters.collapse),
          linenumbers: flag(lineNumbers.input.checked, parameters.linenumbers),
        }),
      });
    },
  });
}

function panelForm(editor: Editor, attrs: Attributes, editing: boolean, apply: Apply): void {
  const type = selectInput(PANEL_TYPES.map((t) => [t, capitalised(t)] as const), attrs.panelType ?? "info");
  const title = textInput(attrs.title ?? "");
  showDialog(editor, {
    title: editing ? "Edit panel" : "Insert panel",
    className: "cairn-macro-form",
    content: [field("Type", type), field("Title", title)],
    submitLabel: editing ? "Save" : "Insert",
    submit(close) {
      close();
      apply({ panelType: type.value, title: title.value.trim() || null });
    },
  });
}

function expandForm(editor: Editor, attrs: Attributes, editing: boolean, apply: Apply): void {
  const title = textInput(attrs.title ?? "");
  title.placeholder = "Click here to expand...";
  showDialog(editor, {
    title: editing ? "Edit expand" : "Insert expand",
    className: "cairn-macro-form",
    content: [field("Title", title)],
    submitLabel: editing ? "Save" : "Insert",
    submit(close) {
      close();
      apply({ title: title.value.trim() || null });
    },
  });
}

function tocForm(editor: Editor, attrs: Attributes, editing: boolean, apply: Apply): void {
  const parameters: Parameters = attrs.parameters ?? {};
  const minLevel = selectInput(HEADING_LEVELS, parameters.minLevel ?? "");
  const maxLevel = selectInput(HEADING_LEVELS, parameters.maxLevel ?? "");
  const style = selectInput(TOC_STYLES, parameters.style ?? "");
  const outline = checkbox("Outline numbering", parameters.outline === "true");
  showDialog(editor, {
    title: editing ? "Edit table of contents" : "Insert table of contents",
    className: "cairn-macro-form",
    content: [field("Lowest heading level", minLevel), field("Highest heading level", maxLevel), field("List style", style), outline.element],
    submitLabel: editing ? "Save" : "Insert",
    submit(close) {
      if (minLevel.value && maxLevel.value && Number(minLevel.value) > Number(maxLevel.value)) {
        return "The lowest heading level cannot be above the highest.";
      }
      close();
      apply({
        parameters: withParameters(attrs.parameters, {
          minLevel: minLevel.value,
          maxLevel: maxLevel.value,
          style: style.value,
          outline: flag(outline.input.checked, parameters.outline),
        }),
      });
    },
  });
}

function childrenForm(editor: Editor, attrs: Attributes, editing: boolean, apply: Apply): void {
  const parameters: Parameters = attrs.parameters ?? {};
  const depth = selectInput(CHILDREN_DEPTHS, parameters.all === "true" ? "all" : parameters.depth ?? "");
  const sort = selectInput(CHILDREN_SORTS, parameters.sort ?? "");
  const page = textInput(parameters.page ?? "");
  page.placeholder = "This page";
  const pageField = field("Parent page (title, or SPACE:title)", page);
  showDialog(editor, {
    title: editing ? "Edit child pages" : "Insert child pages",
    className: "cairn-macro-form",
    content: [pageField, field("Depth", depth), field("Sort by", sort)],
    submitLabel: editing ? "Save" : "Insert",
    submit(close) {
      close();
      const all = depth.value === "all";
      apply({
        parameters: withParameters(attrs.parameters, {
          page: page.value.trim(),
          all: all ? "true" : "",
          depth: all ? "" : depth.value,
          sort: sort.value,
        }),
      });
    },
  });
}

type Form = (editor: Editor, attrs: Attributes, editing: boolean, apply: Apply) => void;

/** The form of each macro node; block macros by their `name`. */
const FORMS: Record<string, Form> = {
  confluenceStatus: statusForm,
  confluenceAnchor: anchorForm,
  codeBlock: codeForm,
  confluencePanel: panelForm,
  confluenceExpand: expandForm,
  toc: tocForm,
  children: childrenForm,
};

function formOf(node: ProseMirrorNode): Form | undefined {
  return node.type.name === "confluenceMacro" ? FORMS[node.attrs.name] : FORMS[node.type.name];
}

/** The macro the selection is on or in: a selected atom, else the innermost enclosing macro block. */
export function selectedMacro(editor: Editor): { node: ProseMirrorNode; pos: number } | null {
  const { selection } = editor.state;
  if (selection instanceof NodeSelection && formOf(selection.node)) return { node: selection.node, pos: selection.from };
  const { $from } = selection;
  for (let depth = $from.depth; depth > 0; depth--) {
    const node = $from.node(depth);
    if (formOf(node)) return { node, pos: $from.before(depth) };
  }
  return null;
}

/** Opens the form of the selected macro, filled in; false when no known macro is selected. */
export function editSelectedMacro(editor: Editor): boolean {
  const macro = selectedMacro(editor);
  const form = macro && formOf(macro.node);
  if (!macro || !form) return false;
  const { node, pos } = macro;
  form(editor, node.attrs, true, (changes) => {
    editor.chain().focus().command(({ tr }) => {
      tr.setNodeMarkup(pos, undefined, { ...node.attrs, ...changes });
      if (node.isAtom) tr.setSelection(NodeSelection.create(tr.doc, pos));
      return true;
    }).run();
  });
  return true;
}

/** A block macro with an empty paragraph inside, where the cursor goes. */
function insertRichBlock(editor: Editor, type: string, attrs: Attributes): void {
  editor.chain().focus().insertContent({ type, attrs, content: [{ type: "paragraph" }] }).run();
}

export function insertStatus(editor: Editor): void {
  statusForm(editor, {}, false, (attrs) => {
    editor.chain().focus().insertContent({ type: "confluenceStatus", attrs }).run();
  });
}

export function insertAnchor(editor: Editor): void {
  anchorForm(editor, {}, false, (attrs) => {
    editor.chain().focus().insertContent({ type: "confluenceAnchor", attrs }).run();
  });
}

/** In a code block, edits it; elsewhere makes the current block one. */
export function insertCodeBlock(editor: Editor): void {
  if (editor.isActive("codeBlock")) {
    editSelectedMacro(editor);
    return;
  }
  codeForm(editor, {}, false, (attrs) => {
    editor.chain().focus().setCodeBlock(attrs as { language: string }).run();
  });
}

export function insertPanel(editor: Editor, panelType: string): void {
  panelForm(editor, { panelType }, false, (attrs) => insertRichBlock(editor, "confluencePanel", attrs));
}

export function insertExpand(editor: Editor): void {
  expandForm(editor, {}, false, (attrs) => insertRichBlock(editor, "confluenceExpand", attrs));
}

export function insertBlockMacro(editor: Editor, name: "toc" | "children"): void {
  FORMS[name](editor, {}, false, (attrs) => {
    editor.chain().focus().insertContent({ type: "confluenceMacro", attrs: { name, ...attrs } }).run();
  });
}

/** Enter on a selected macro atom, or a double click on one, opens its form. */
export const MacroForms = Extension.create({
  name: "cairnMacroForms",
  addKeyboardShortcuts() {
    return {
      Enter: () => {
        const { selection } = this.editor.state;
        return selection instanceof NodeSelection && formOf(selection.node) !== undefined && editSelectedMacro(this.editor);
      },
    };
  },
  addProseMirrorPlugins() {
    const editor = this.editor;
    return [
      new Plugin({
        props: {
          handleDoubleClickOn(view, _pos, node, nodePos, _event, direct) {
            if (!direct || !node.isAtom || !formOf(node)) return false;
            view.dispatch(view.state.tr.setSelection(NodeSelection.create(view.state.doc, nodePos)));
            return editSelectedMacro(editor);
          },
        },
      }),
    ];
  },
});
