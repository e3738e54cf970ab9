// The slash menu: typing "/" at the start of a line or after a space opens a list of block
// insertions, filtered by what follows the slash; arrows move, Enter or a click chooses, Escape
// closes. The typed "/query" is removed before the chosen action runs.

import { Extension, type Editor } from "@tiptap/core";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";
import { ACTIONS, type Action } from "./actions";

const SLASH = /(?:^|\s)\/([\w-]*)$/;

interface Trigger {
  from: number;
  to: number;
  query: string;
}

function findTrigger(view: EditorView): Trigger | null {
  const { selection } = view.state;
  if (!selection.empty || !selection.$from.parent.isTextblock || selection.$from.parent.type.name === "codeBlock") return null;
  const before = selection.$from.parent.textBetween(0, selection.$from.parentOffset, undefined, "\ufffc");
  const match = SLASH.exec(before);
  if (!match) return null;
  const length = match[1].length + 1;
  return { from: selection.from - length, to: selection.from, query: match[1].toLowerCase() };
}

function matching(query: string): Action[] {
  return ACTIONS.filter((a) => a.slash && (a.id.includes(query) || a.label.toLowerCase().includes(query)));
}

class SlashMenu {
  private readonly list: HTMLUListElement;
  private trigger: Trigger | null = null;
  private items: Action[] = [];
  private selected = 0;

  constructor(private readonly editor: Editor) {
    this.list = document.createElement("ul");
    this.list.className = "cairn-slash-menu";
    this.list.id = `cairn-slash-${Math.random().toString(36).slice(2)}`;
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", "Insert");
    this.list.hidden = true;
    document.body.append(this.list);
  }

  update(view: EditorView): void {
    this.trigger = view.hasFocus() ? findTrigger(view) : null;
    this.items = this.trigger ? matching(this.trigger.query) : [];
    if (!this.trigger || this.items.length === 0) return this.hide(view);
    this.selected = Math.min(this.selected, this.items.length - 1);
    this.render(view);
  }

  private render(view: EditorView): void {
    this.list.replaceChildren(...this.items.map((action, index) => {
      const item = document.createElement("li");
      item.id = `${this.list.id}-${index}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(index === this.selected));
      item.textContent = action.label;
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        this.choose(index);
      });
      return item;
    }));
    const coordinates = view.coordsAtPos(this.trigger!.from);
    this.list.style.left = `${coordinates.left + window.scrollX}px`;
    this.list.style.top = `${coordinates.bottom + window.scrollY + 4}px`;
    this.list.hidden = false;
    view.dom.setAttribute("aria-controls", this.list.id);
    view.dom.setAttribute("aria-activedescendant", `${this.list.id}-${this.selected}`);
  }

  private hide(view: EditorView): void {
    this.list.hidden = true;
    this.selected = 0;
    view.dom.removeAttribute("aria-activedescendant");
  }

  /** Handles a key while the menu is open; true when the key was used. */
  keyDown(view: EditorView, event: KeyboardEvent): boolean {
    if (this.list.hidden || !this.trigger) return false;
    switch (event.key) {
      case "ArrowDown":
        this.selected = (this.selected + 1) % this.items.length;
        this.render(view);
        return true;
      case "ArrowUp":
        this.selected = (this.selected + this.items.length - 1) % this.items.length;
        this.render(view);
        return true;
      case "Enter":
      case "Tab":
        this.choose(this.selected);
        return true;
      case "Escape":
        this.hide(view);
        this.trigger = null;
        return true;
      default:
        return false;
    }
  }

  private choose(index: number): void {
    const action = this.items[index];
    const trigger = this.trigger;
    if (!action || !trigger) return;
    this.editor.chain().focus().deleteRange({ from: trigger.from, to: trigger.to }).run();
    action.run(this.editor);
  }

  destroy(): void {
    this.list.remove();
  }
}

export const SlashCommands = Extension.create({
  name: "cairnSlashCommands",
  addProseMirrorPlugins() {
    const editor = this.editor;
    let menu: SlashMenu | null = null;
    return [
      new Plugin({
        key: new PluginKey("cairnSlashCommands"),
        view: (view) => {
          menu = new SlashMenu(editor);
          menu.update(view);
          return { update: (updated) => menu?.update(updated), destroy: () => menu?.destroy() };
        },
        props: {
          handleKeyDown: (view, event) => menu?.keyDown(view, event) ?? false,
        },
      }),
    ];
  },
});
