// Lists that open while typing: the slash menu ("/table") and @mentions ("@jo"). A list is a
// listbox next to what was typed; the focus stays in the editor, which points at the highlighted
// option with aria-activedescendant. Arrows move, Enter or Tab (or a click) chooses, Escape
// closes the list until something else is typed at another place.

import { Extension, type Editor } from "@tiptap/core";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import type { EditorView } from "@tiptap/pm/view";

/** What was typed: the trigger character and the query after it, from `from` to `to`. */
export interface TypedTrigger {
  from: number;
  to: number;
  query: string;
}

export interface SuggestionSource<Item> {
  /** Extension name (also the plugin's key). */
  name: string;
  /** Accessible name of the list. */
  label: string;
  /** Class of the list element. */
  className: string;
  /** Matched against the text before the cursor: group 1 is what was typed ("/tab"), group 2 the
   * query ("tab"). */
  pattern: RegExp;
  items(query: string): Item[] | Promise<Item[]>;
  /** The text of an option. */
  text(item: Item): string;
  /** Replaces what was typed with the chosen item. */
  choose(editor: Editor, typed: TypedTrigger, item: Item): void;
}

function findTrigger(view: EditorView, pattern: RegExp): TypedTrigger | null {
  const { selection } = view.state;
  const { $from } = selection;
  if (!selection.empty || !$from.parent.isTextblock || $from.parent.type.spec.code) return null;
  const before = $from.parent.textBetween(0, $from.parentOffset, undefined, "\ufffc");
  const match = pattern.exec(before);
  if (!match) return null;
  return { from: selection.from - match[1].length, to: selection.from, query: match[2] };
}

class SuggestionList<Item> {
  private readonly list: HTMLUListElement;
  private trigger: TypedTrigger | null = null;
  private items: Item[] = [];
  private selected = 0;
  /** Counts lookups, so that a late answer to an older query is dropped. */
  private lookup = 0;
  /** Where Escape closed the list: it stays closed while the person types on there. */
  private dismissedAt: number | null = null;

  constructor(private readonly editor: Editor, private readonly source: SuggestionSource<Item>) {
    this.list = document.createElement("ul");
    this.list.className = source.className;
    this.list.id = `cairn-${source.name}-${Math.random().toString(36).slice(2)}`;
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", source.label);
    this.list.hidden = true;
    document.body.append(this.list);
  }

  update(view: EditorView): void {
    const trigger = view.hasFocus() ? findTrigger(view, this.source.pattern) : null;
    if (!trigger) this.dismissedAt = null;
    if (!trigger || trigger.from === this.dismissedAt) {
      this.trigger = null;
      this.hide(view);
      return;
    }
    const sameQuery = this.trigger !== null && this.trigger.from === trigger.from && this.trigger.query === trigger.query;
    this.trigger = trigger;
    if (sameQuery) {
      if (!this.list.hidden) this.render(view);
      return;
    }
    const lookup = ++this.lookup;
    const answer = this.source.items(trigger.query);
    if (!(answer instanceof Promise)) {
      this.show(view, answer);
      return;
    }
    answer.then(
      (items) => { if (lookup === this.lookup) this.show(view, items); },
      (error) => {
        console.error(`cairn editor: ${this.source.label} could not be looked up`, error);
        if (lookup === this.lookup) this.show(view, []);
      },
    );
  }

  private show(view: EditorView, items: Item[]): void {
    this.items = items;
    this.selected = 0;
    if (!this.trigger || items.length === 0) {
      this.hide(view);
      return;
    }
    this.render(view);
  }

  private render(view: EditorView): void {
    this.list.replaceChildren(...this.items.map((item, index) => {
      const option = document.createElement("li");
      option.id = `${this.list.id}-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === this.selected));
      option.textContent = this.source.text(item);
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        this.choose(index);
      });
      return option;
    }));
    const coordinates = view.coordsAtPos(this.trigger!.from);
    this.list.style.left = `${coordinates.left + window.scrollX}px`;
    this.list.style.top = `${coordinates.bottom + window.scrollY + 4}px`;
    this.list.hidden = false;
    view.dom.setAttribute("aria-controls", this.list.id);
    view.dom.setAttribute("aria-activedescendant", `${this.list.id}-${this.selected}`);
    this.list.children[this.selected]?.scrollIntoView({ block: "nearest" });
  }

  private hide(view: EditorView): void {
    this.lookup++;
    if (this.list.hidden) return;
    this.list.hidden = true;
    this.selected = 0;
    view.dom.removeAttribute("aria-activedescendant");
    view.dom.removeAttribute("aria-controls");
  }

  /** Handles a key while the list is open; true when the key was used. */
  keyDown(view: EditorView, event: KeyboardEvent): boolean {
    if (this.list.hidden || !this.trigger || this.items.length === 0) return false;
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
        this.dismissedAt = this.trigger.from;
        this.trigger = null;
        this.hide(view);
        return true;
      default:
        return false;
    }
  }

  private choose(index: number): void {
    const item = this.items[index];
    const trigger = this.trigger;
    if (item === undefined || !trigger) return;
    this.trigger = null;
    this.hide(this.editor.view);
    this.source.choose(this.editor, trigger, item);
  }

  destroy(): void {
    this.list.remove();
  }
}

/** An extension showing `source`'s list while its pattern matches the text before the cursor. */
export function suggestions<Item>(source: SuggestionSource<Item>) {
  return Extension.create({
    name: source.name,
    addProseMirrorPlugins() {
      const editor = this.editor;
      let list: SuggestionList<Item> | null = null;
      return [
        new Plugin({
          key: new PluginKey(source.name),
          view: (view) => {
            list = new SuggestionList(editor, source);
            list.update(view);
            return { update: (updated) => list?.update(updated), destroy: () => list?.destroy() };
          },
          props: {
            handleKeyDown: (view, event) => list?.keyDown(view, event) ?? false,
          },
        }),
      ];
    },
  });
}
