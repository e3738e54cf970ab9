// Controls for the selected date or image, shown under it while it is selected: a date input for
// a date; width, alignment and alternative text for an image. They sit right after the editor's
// text, so Tab reaches them; Enter applies and returns to the text after the node, Escape returns
// without applying.

import { Extension, type Editor } from "@tiptap/core";
import type { Node as ProseMirrorNode } from "@tiptap/pm/model";
import { NodeSelection, Plugin, PluginKey } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";
import { returnFocus } from "./context";

interface Control {
  element: HTMLElement;
  /** Shows the node's attributes (not while the person is typing in a field). */
  show(node: ProseMirrorNode): void;
  /** The field that takes the focus when the control is asked for. */
  first: HTMLElement;
}

function selectedNode(editor: Editor): { node: ProseMirrorNode; pos: number } | null {
  const { selection } = editor.state;
  return selection instanceof NodeSelection ? { node: selection.node, pos: selection.from } : null;
}

/** Sets one attribute of the selected node, keeping it selected. */
function setSelectedAttribute(editor: Editor, type: string, name: string, value: unknown): void {
  const selected = selectedNode(editor);
  if (!selected || selected.node.type.name !== type || selected.node.attrs[name] === value) return;
  editor.view.dispatch(editor.state.tr.setNodeAttribute(selected.pos, name, value));
}

/** Back to the text, right after the selected node. */
function leave(editor: Editor): void {
  const selected = selectedNode(editor);
  if (selected) editor.commands.setTextSelection(selected.pos + selected.node.nodeSize);
  returnFocus(editor);
}

/** Enter applies, Escape leaves; both keep the page's form from seeing the key. */
function onKeys(editor: Editor, input: HTMLElement, apply: () => void): void {
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      apply();
      leave(editor);
    } else if (event.key === "Escape") {
      event.preventDefault();
      leave(editor);
    }
  });
}

function container(className: string, label: string): HTMLElement {
  const element = document.createElement("div");
  element.className = `cairn-node-control ${className}`;
  element.setAttribute("role", "group");
  element.setAttribute("aria-label", label);
  element.hidden = true;
  return element;
}

function dateControl(editor: Editor): Control {
  const element = container("cairn-date-control", "Date");
  const input = document.createElement("input");
  input.type = "date";
  input.setAttribute("aria-label", "Date");
  const apply = () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(input.value)) setSelectedAttribute(editor, "confluenceDate", "datetime", input.value);
  };
  input.addEventListener("change", apply);
  onKeys(editor, input, apply);
  element.append(input);
  return {
    element,
    first: input,
    show(node) {
      if (document.activeElement !== input) input.value = String(node.attrs.datetime ?? "");
    },
  };
}

const ALIGNMENTS = [["left", "Align image left", "⇤"], ["center", "Align image center", "↔"], ["right", "Align image right", "⇥"]] as const;

function imageControl(editor: Editor): Control {
  const element = container("cairn-image-control", "Image");
  const width = document.createElement("input");
  width.type = "number";
  width.min = "1";
  width.max = "4000";
  width.placeholder = "auto";
  width.setAttribute("aria-label", "Image width in pixels");
  const applyWidth = () => {
    const pixels = Number.parseInt(width.value, 10);
    setSelectedAttribute(editor, "confluenceImage", "width", pixels > 0 ? String(pixels) : null);
  };
  width.addEventListener("change", applyWidth);
  onKeys(editor, width, applyWidth);

  const alt = document.createElement("input");
  alt.type = "text";
  alt.placeholder = "Alternative text";
  alt.setAttribute("aria-label", "Image alternative text");
  const applyAlt = () => setSelectedAttribute(editor, "confluenceImage", "alt", alt.value.trim() || null);
  alt.addEventListener("change", applyAlt);
  onKeys(editor, alt, applyAlt);

  const buttons = ALIGNMENTS.map(([align, label, icon]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cairn-button";
    button.textContent = icon;
    button.title = label;
    button.setAttribute("aria-label", label);
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", () => {
      const current = selectedNode(editor)?.node.attrs.align;
      setSelectedAttribute(editor, "confluenceImage", "align", current === align ? null : align);
    });
    return [align, button] as const;
  });
  element.append(width, ...buttons.map(([, button]) => button), alt);
  return {
    element,
    first: width,
    show(node) {
      if (document.activeElement !== width) width.value = node.attrs.width ? String(node.attrs.width) : "";
      if (document.activeElement !== alt) alt.value = node.attrs.alt ?? "";
      for (const [align, button] of buttons) button.setAttribute("aria-pressed", String(node.attrs.align === align));
    },
  };
}

class NodeControls {
  private readonly controls: Record<string, Control>;

  constructor(private readonly editor: Editor) {
    this.controls = { confluenceDate: dateControl(editor), confluenceImage: imageControl(editor) };
  }

  update(view: EditorView): void {
    const selected = selectedNode(this.editor);
    for (const [type, control] of Object.entries(this.controls)) {
      if (!selected || selected.node.type.name !== type) {
        control.element.hidden = true;
        continue;
      }
      const surface = view.dom.parentElement;
      if (surface && control.element.parentElement !== surface) surface.append(control.element);
      control.show(selected.node);
      const node = view.nodeDOM(selected.pos);
      if (surface && node instanceof HTMLElement) {
        const box = node.getBoundingClientRect();
        const origin = surface.getBoundingClientRect();
        control.element.style.left = `${Math.max(0, box.left - origin.left)}px`;
        control.element.style.top = `${box.bottom - origin.top + 4}px`;
        // An image still loading has no height yet: place the control again once it has.
        if (node instanceof HTMLImageElement && !node.complete) node.addEventListener("load", () => this.update(view), { once: true });
      }
      control.element.hidden = false;
    }
  }

  /** Moves the focus to the control of the selected node, if it has one. */
  focus(): void {
    const selected = selectedNode(this.editor);
    const control = selected && this.controls[selected.node.type.name];
    if (control && !control.element.hidden) control.first.focus();
  }

  destroy(): void {
    for (const control of Object.values(this.controls)) control.element.remove();
  }
}

const instances = new WeakMap<Editor, NodeControls>();

/** Moves the focus to the control of the selected date or image. */
export function focusNodeControl(editor: Editor): void {
  instances.get(editor)?.focus();
}

/** Selects the node just before the cursor when it is of `type` (after inserting it). */
export function selectNodeBefore(editor: Editor, type: string): boolean {
  const { $from } = editor.state.selection;
  const before = $from.nodeBefore;
  if (!before || before.type.name !== type) return false;
  editor.view.dispatch(editor.state.tr.setSelection(NodeSelection.create(editor.state.doc, $from.pos - before.nodeSize)));
  return true;
}

export const SelectedNodeControls = Extension.create({
  name: "cairnSelectedNodeControls",
  addProseMirrorPlugins() {
    const editor = this.editor;
    return [
      new Plugin({
        key: new PluginKey("cairnSelectedNodeControls"),
        view: (view) => {
          const controls = new NodeControls(editor);
          instances.set(editor, controls);
          controls.update(view);
          return { update: (updated) => controls.update(updated), destroy: () => controls.destroy() };
        },
      }),
    ];
  },
});
