// A small popup of buttons next to the cursor (the emoticon picker): the focus moves into it,
// arrow keys move between its buttons, Escape or a click elsewhere closes it and gives the focus
// back to the editor where it was.

import type { Editor } from "@tiptap/core";
import { returnFocus } from "./context";

export interface PopoverButton {
  /** Accessible name. */
  label: string;
  /** Visible text. */
  text: string;
  /** Tooltip; the accessible name when absent. */
  title?: string;
  choose(): void;
}

let openPopover: { close(): void } | null = null;

export function showPopover(editor: Editor, label: string, className: string, buttons: PopoverButton[]): void {
  openPopover?.close();
  const popup = document.createElement("div");
  popup.className = `cairn-popover ${className}`;
  popup.setAttribute("role", "dialog");
  popup.setAttribute("aria-label", label);
  const coordinates = editor.view.coordsAtPos(editor.state.selection.from);
  popup.style.left = `${coordinates.left + window.scrollX}px`;
  popup.style.top = `${coordinates.bottom + window.scrollY + 4}px`;

  const close = (refocus: boolean) => {
    if (openPopover !== handle) return;
    openPopover = null;
    document.removeEventListener("mousedown", outside, true);
    editor.off("destroy", handle.close);
    popup.remove();
    if (refocus) returnFocus(editor);
  };
  const handle = { close: () => close(false) };
  const outside = (event: MouseEvent) => {
    if (!popup.contains(event.target as Node)) close(false);
  };

  const elements = buttons.map((button) => {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "cairn-popover-button";
    element.textContent = button.text;
    element.title = button.title ?? button.label;
    element.setAttribute("aria-label", button.label);
    element.addEventListener("click", () => {
      // Back in the text first, so that what is typed right after the click lands there.
      close(true);
      button.choose();
    });
    return element;
  });
  popup.addEventListener("keydown", (event) => {
    const index = elements.indexOf(document.activeElement as HTMLButtonElement);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    } else if (step !== undefined) {
      event.preventDefault();
      elements[(index + step + elements.length) % elements.length]?.focus();
    } else if (event.key === "Tab") {
      // The popup is a stop on the way back to the text, not a trap.
      event.preventDefault();
      close(true);
    }
  });
  popup.append(...elements);
  document.body.append(popup);
  document.addEventListener("mousedown", outside, true);
  openPopover = handle;
  editor.on("destroy", handle.close);
  elements[0]?.focus();
}
