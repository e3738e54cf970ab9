// Paste and drop from outside the editor:
//
// - images (a file on the clipboard with no text beside it) and files dropped are attached to the
//   page and inserted, images as images and other files as links to them (see images.ts);
// - HTML from elsewhere (Word, Google Docs, Confluence, web pages) and plain text that looks like
//   Markdown are cleaned by the server (`POST /rest/cairn/1/editor/paste`), which answers the
//   editor's document of what it keeps; that is inserted at the selection.
//
// Content copied from this editor (ProseMirror marks it with data-pm-slice) keeps ProseMirror's
// own handling, and so does plain text that is not Markdown. The default paste is prevented at
// once and the cleaned content inserted when the answer arrives; if the server cannot be asked,
// the text is pasted the default way after all.

import { Extension, type Editor } from "@tiptap/core";
import { Fragment, Slice } from "@tiptap/pm/model";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { contextOf } from "./context";
import { imageFiles, insertFiles } from "./images";
import { cleanPaste } from "./requests";

/** Lines only Markdown starts this way: headings, list items, quotes, fences, table rows. */
const MARKDOWN_LINE = [
  /^#{1,6}\s+\S/,
  /^\s*[-*+]\s+\S/,
  /^\s*\d{1,9}[.)]\s+\S/,
  /^\s*>\s?\S/,
  /^\s*(```|~~~)/,
  /^\s*\|.*\|\s*$/,
];
/** Inline Markdown: **bold**, __bold__, [text](address), `code`. */
const MARKDOWN_INLINE = [/\*\*\S(?:[^*\n]*\S)?\*\*/, /__\S(?:[^_\n]*\S)?__/, /\[[^\]\n]+\]\([^)\s]+\)/, /`[^`\n]+`/];

export function looksLikeMarkdown(text: string): boolean {
  return text.split(/\r?\n/).some((line) => MARKDOWN_LINE.some((pattern) => pattern.test(line)))
    || MARKDOWN_INLINE.some((pattern) => pattern.test(text));
}

/** Whether HTML on the clipboard was copied from a ProseMirror editor, this one included. */
function copiedFromEditor(html: string): boolean {
  return html.includes("data-pm-slice") || html.includes("data-cairn-node");
}

/** Whether the HTML holds any text (a copied image alone comes as `<img>` only). */
function hasText(html: string): boolean {
  if (!html) return false;
  const parsed = new DOMParser().parseFromString(html, "text/html");
  return (parsed.body.textContent ?? "").trim() !== "";
}

/**
 * What office suites put on the clipboard, made plain before the server cleans it: Google Docs
 * wraps everything in a `<b style="font-weight:normal">` and says bold and italic with styles on
 * spans; Word marks every paragraph with an Mso… class.
 */
export function plainerHtml(html: string): string {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const body = parsed.body;
  for (const wrapper of Array.from(body.querySelectorAll<HTMLElement>("b, strong"))) {
    if (/^(normal|400)$/.test(wrapper.style.fontWeight)) wrapper.replaceWith(...Array.from(wrapper.childNodes));
  }
  for (const span of Array.from(body.querySelectorAll<HTMLElement>("span[style]"))) {
    const style = span.style;
    const tags = [
      (style.fontWeight === "bold" || Number(style.fontWeight) >= 600) && "strong",
      style.fontStyle === "italic" && "em",
      style.textDecorationLine.includes("underline") || style.textDecoration.includes("underline") ? "u" : "",
      style.textDecorationLine.includes("line-through") || style.textDecoration.includes("line-through") ? "s" : "",
    ].filter((tag): tag is string => Boolean(tag));
    let inner: Node[] = Array.from(span.childNodes);
    for (const tag of tags) {
      const element = parsed.createElement(tag);
      element.append(...inner);
      inner = [element];
    }
    // A span says nothing the editor keeps but its colour.
    if (style.color) span.replaceChildren(...inner);
    else span.replaceWith(...inner);
  }
  for (const element of Array.from(body.querySelectorAll<HTMLElement>("[class]"))) {
    const kept = Array.from(element.classList).filter((name) => !/^Mso/i.test(name));
    if (kept.length) element.className = kept.join(" ");
    else element.removeAttribute("class");
  }
  return body.innerHTML;
}

type JsonNode = { type: string; text?: string; attrs?: Record<string, unknown>; content?: JsonNode[] };

function storageText(storage: unknown): string {
  return new DOMParser().parseFromString(String(storage ?? ""), "text/html").body.textContent ?? "";
}

/**
 * Pasted content must be editable: the server keeps markup it does not model as raw nodes, and
 * accepts raw nodes on save only when they were part of the page. Such pieces are pasted as
 * their text.
 */
function withoutRawNodes(nodes: JsonNode[]): JsonNode[] {
  return nodes.flatMap((node): JsonNode[] => {
    if (node.type === "rawInline") {
      const text = storageText(node.attrs?.storage);
      return text ? [{ type: "text", text }] : [];
    }
    if (node.type === "rawBlock") {
      const text = storageText(node.attrs?.storage).trim();
      return text ? [{ type: "paragraph", content: [{ type: "text", text }] }] : [];
    }
    return node.content ? [{ ...node, content: withoutRawNodes(node.content) }] : [node];
  });
}

async function insertCleaned(editor: Editor, format: "html" | "markdown", value: string, fallback: () => void): Promise<void> {
  let fragment: Fragment;
  try {
    const document = await cleanPaste(format, value);
    fragment = Fragment.fromJSON(editor.schema, withoutRawNodes((document.content ?? []) as JsonNode[]));
  } catch (error) {
    if (editor.isDestroyed) return;
    contextOf(editor).announce(`The pasted ${format === "html" ? "content" : "Markdown"} could not be cleaned (${(error as Error).message}); it was pasted as it came.`);
    fallback();
    return;
  }
  if (editor.isDestroyed || fragment.size === 0) return;
  const { view } = editor;
  view.dispatch(view.state.tr.replaceSelection(Slice.maxOpen(fragment)).scrollIntoView());
  view.focus();
}

export const PasteAndDrop = Extension.create({
  name: "cairnPasteAndDrop",
  // Before the link extension's own paste handling (a URL pasted over selected text).
  priority: 1000,
  addProseMirrorPlugins() {
    const editor = this.editor;
    return [
      new Plugin({
        key: new PluginKey("cairnPasteAndDrop"),
        props: {
          handlePaste(view, event) {
            // Pastes the editor makes itself (the fallbacks below) carry no clipboard data.
            const data = event.clipboardData;
            if (!data || view.state.selection.$from.parent.type.spec.code) return false;
            const html = data.getData("text/html");
            const text = data.getData("text/plain");
            const images = imageFiles(data.files);
            if (images.length > 0 && !hasText(html)) {
              event.preventDefault();
              void insertFiles(editor, images);
              return true;
            }
            // An editor for code puts its text on the clipboard as coloured HTML too.
            const fromCodeEditor = data.types.includes("vscode-editor-data");
            if (html && !fromCodeEditor) {
              if (copiedFromEditor(html)) return false;
              event.preventDefault();
              void insertCleaned(editor, "html", plainerHtml(html), () => view.pasteHTML(html));
              return true;
            }
            if (text && looksLikeMarkdown(text)) {
              event.preventDefault();
              void insertCleaned(editor, "markdown", text, () => view.pasteText(text));
              return true;
            }
            return false;
          },
          handleDrop(view, event, _slice, moved) {
            if (moved) return false;
            const files = Array.from(event.dataTransfer?.files ?? []);
            if (files.length === 0) return false;
            event.preventDefault();
            const position = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos;
            void insertFiles(editor, files, position);
            return true;
          },
        },
      }),
    ];
  },
});
