// Mounting the editor on a page, and handing its document back to the form (the contract is
// described in frontend/README.md).
//
//   <form method="post">
//     <input type="hidden" name="body_format" value="storage">
//     <noscript><textarea name="body">…storage, for browsers without script…</textarea></noscript>
//     <input type="hidden" name="body" disabled>
//     <script type="application/json" id="doc">…editor JSON from storage_to_editor_json…</script>
//     <div data-cairn-editor data-field="body" data-format-field="body_format"
//          data-document-from="doc" hidden></div>
//   </form>
//
// On mount the field is enabled (and hidden, if it is a visible textarea) and the editor shown; on
// submit the field receives the editor's document as JSON and the format field says "editor-json".
//
// The element announces itself to the page's own script with two bubbling events, so that
// warnings about unsaved changes and draft autosave need nothing from inside the bundle:
// `cairn-editor-ready` once mounted (a long page's later blocks are still being added; see
// loading.ts), `cairn-editor-loaded` once the whole document is in (the element then has
// `data-loaded="true"`), and `cairn-editor-change` after every edit of the document.
// `window.cairnEditor.documentOf(element)` gives the current document as the JSON the form posts.

import { Editor, Extension, type JSONContent } from "@tiptap/core";
import { ACTIONS } from "./actions";
import { createStatusLine, setContext } from "./context";
import { SelectedNodeControls } from "./controls";
import { DateShortcut } from "./dates";
import { EmoticonShortcuts } from "./emoticons";
import { MacroForms } from "./macros";
import { Mentions } from "./mention";
import { PasteAndDrop } from "./paste";
import { LOADING_META, loadRest, splitDocument } from "./loading";
import { extensions } from "./schema";
import { SlashCommands } from "./slash";
import { createToolbar } from "./toolbar";

export const FORMAT = "editor-json";

const mounted = new WeakMap<HTMLElement, { editor: Editor; finishLoading: () => void }>();

/** The document of the editor mounted on `element`, as posted (JSON), or null if none is. */
export function documentOf(element: HTMLElement): string | null {
  const entry = mounted.get(element);
  if (!entry) return null;
  entry.finishLoading();
  return JSON.stringify(entry.editor.getJSON());
}

type Field = HTMLInputElement | HTMLTextAreaElement;

function formField(form: HTMLFormElement, name: string | undefined): Field | null {
  if (!name) return null;
  const field = form.elements.namedItem(name);
  return field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement ? field : null;
}

function initialDocument(element: HTMLElement): JSONContent {
  // The page gives the document in a JSON script block named by `data-document-from` (or, as
  // before, in `data-document` itself).
  const from = element.dataset.documentFrom;
  const json = from ? document.getElementById(from)?.textContent : element.dataset.document;
  if (!json) return { type: "doc", content: [{ type: "paragraph" }] };
  const parsed = JSON.parse(json) as JSONContent;
  if (parsed?.type !== "doc") throw new Error("data-document is not an editor document");
  return parsed;
}

/** Mounts one editor; returns it, or null when the element does not fulfil the contract. */
export function mount(element: HTMLElement): Editor | null {
  const form = element.closest("form");
  const field = form && formField(form, element.dataset.field);
  if (!form || !field) {
    console.error("cairn editor: data-field must name a field of the enclosing form", element);
    return null;
  }
  const formatField = formField(form, element.dataset.formatField);
  const link = ACTIONS.find((action) => action.id === "link");

  const surface = document.createElement("div");
  surface.className = "cairn-editor-surface";
  // A long page: the first screens now, the rest right after (see loading.ts).
  const { first, rest } = splitDocument(initialDocument(element));
  const editor = new Editor({
    element: surface,
    extensions: [
      ...extensions(),
      SlashCommands,
      Mentions,
      EmoticonShortcuts,
      DateShortcut,
      SelectedNodeControls,
      MacroForms,
      PasteAndDrop,
      Extension.create({
        name: "cairnShortcuts",
        addKeyboardShortcuts() {
          return {
            "Mod-k": () => {
              link?.run(this.editor);
              return true;
            },
            "Mod-s": () => {
              form.requestSubmit();
              return true;
            },
            "Mod-Alt-c": () => {
              ACTIONS.find((action) => action.id === "code-block")?.run(this.editor);
              return true;
            },
          };
        },
      }),
    ],
    content: first,
    editorProps: {
      attributes: { role: "textbox", "aria-multiline": "true", "aria-label": element.dataset.label ?? "Page content" },
    },
  });

  const status = createStatusLine();
  setContext(editor, { element, spaceKey: element.dataset.spaceKey ?? "", announce: status.announce });
  element.replaceChildren(createToolbar(editor), status.element, surface);
  element.hidden = false;
  field.hidden = true;
  field.disabled = false;
  const finishLoading = loadRest(editor, rest, () => {
    element.dataset.loaded = "true";
    element.dispatchEvent(new CustomEvent("cairn-editor-loaded", { bubbles: true }));
  });
  form.addEventListener("submit", () => {
    finishLoading();
    field.value = JSON.stringify(editor.getJSON());
    if (formatField) formatField.value = FORMAT;
  });
  mounted.set(element, { editor, finishLoading });
  editor.on("update", ({ transaction }) => {
    if (!transaction.getMeta(LOADING_META)) element.dispatchEvent(new CustomEvent("cairn-editor-change", { bubbles: true }));
  });
  element.dispatchEvent(new CustomEvent("cairn-editor-ready", { bubbles: true }));
  return editor;
}

/** Mounts every `[data-cairn-editor]` element of the page. */
export function mountAll(root: ParentNode = document): Editor[] {
  return Array.from(root.querySelectorAll<HTMLElement>("[data-cairn-editor]"))
    .map(mount)
    .filter((editor): editor is Editor => editor !== null);
}
