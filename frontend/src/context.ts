// What an editor knows about the page it edits, beyond its document: the mount element, the
// page's content id (images are attached to it) and space key (page links in the same space
// leave the space out), and a status line that tells the person what happened in words.

import type { Editor } from "@tiptap/core";
import { TextSelection } from "@tiptap/pm/state";

declare global {
  interface Window {
    /** Draft autosave of the create form, when the page provides it: saves the new page as a
     * draft and resolves to its content id. */
    cairnDrafts?: { saveNow?: () => Promise<string | number | null | undefined> };
  }
}

export interface EditorContext {
  /** The `[data-cairn-editor]` element. */
  element: HTMLElement;
  /** The space of the page, from `data-space-key`; empty when the page does not say. */
  spaceKey: string;
  /** Says `message` in the editor's status line (announced by screen readers). */
  announce(message: string): void;
}

const contexts = new WeakMap<Editor, EditorContext>();

export function setContext(editor: Editor, context: EditorContext): void {
  contexts.set(editor, context);
}

export function contextOf(editor: Editor): EditorContext {
  const context = contexts.get(editor);
  // Every editor is created by mount(), which sets its context before any action can run.
  if (!context) throw new Error("cairn editor: no context for this editor");
  return context;
}

/** The status line under the toolbar: a polite live region that clears itself after a while. */
export function createStatusLine(): { element: HTMLElement; announce(message: string): void } {
  const element = document.createElement("div");
  element.className = "cairn-editor-status";
  element.setAttribute("role", "status");
  element.setAttribute("aria-live", "polite");
  let timer: number | undefined;
  return {
    element,
    announce(message: string) {
      element.textContent = message;
      window.clearTimeout(timer);
      if (message) timer = window.setTimeout(() => { element.textContent = ""; }, 15000);
    },
  };
}

/** Where files are attached: a content id, and whether it is a new page's draft. */
export interface AttachmentContainer {
  id: string;
  draft: boolean;
}

/**
 * The content files are attached to: the edited page, or the new page's draft once the create
 * form's autosave has saved it. Null (after saying why) when there is none yet.
 */
export async function attachmentContainer(editor: Editor): Promise<AttachmentContainer | null> {
  const { element, announce } = contextOf(editor);
  if (element.dataset.contentId) return { id: element.dataset.contentId, draft: false };
  const saveNow = window.cairnDrafts?.saveNow;
  if (saveNow) {
    try {
      const id = await saveNow();
      if (id !== null && id !== undefined && String(id) !== "") return { id: String(id), draft: true };
    } catch (error) {
      console.error("cairn editor: the draft could not be saved", error);
    }
  }
  announce("Save the page once before adding images: images are attached to the page, and this page does not exist yet.");
  return null;
}

/** Gives the focus back to the text at once. TipTap's `focus` command waits for the next animation
 * frame, and keys typed before it (a fast typist right after Enter in a dialog) would go to the
 * element that had the focus; the command still runs for its scrolling. */
export function returnFocus(editor: Editor): void {
  if (editor.isDestroyed) return;
  editor.view.focus();
  editor.commands.focus();
}

/** Makes the editor's text selection the one the browser shows, before a control outside the
 * editor acts on it. A selection made with the keyboard reaches ProseMirror with the browser's
 * `selectionchange` event, which comes a moment later: when the focus moves to the colour input
 * or the text-style list within that moment, the editor would still act on the caret. */
export function takeBrowserSelection(editor: Editor): void {
  const { view } = editor;
  const browser = window.getSelection();
  if (!browser || browser.rangeCount === 0 || !browser.anchorNode || !browser.focusNode) return;
  if (!view.dom.contains(browser.anchorNode) || !view.dom.contains(browser.focusNode)) return;
  const current = view.state.selection;
  if (!(current instanceof TextSelection)) return;
  try {
    const anchor = view.posAtDOM(browser.anchorNode, browser.anchorOffset);
    const head = view.posAtDOM(browser.focusNode, browser.focusOffset);
    if (anchor === current.anchor && head === current.head) return;
    view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, anchor, head)));
  } catch {
    // A point the document has no position for (inside an atom): keep the editor's selection.
  }
}
