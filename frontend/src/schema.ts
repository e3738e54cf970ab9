// The editor's schema: TipTap's nodes and marks for plain XHTML, plus Confluence's constructs.
//
// This file and crates/cairn-format/src/editor_document/ describe the same document: every node
// type, attribute name and default here must match what the server writes and reads (see
// frontend/README.md, "Node schema"). Attributes the server does not know are ignored by it;
// attributes the server writes must be declared here, or ProseMirror refuses the document.

import { Extension, Node, mergeAttributes, type Attributes } from "@tiptap/core";
import CodeBlock from "@tiptap/extension-code-block";
import { TaskItem, TaskList } from "@tiptap/extension-list";
import Subscript from "@tiptap/extension-subscript";
import Superscript from "@tiptap/extension-superscript";
import { Table, TableCell, TableHeader, TableRow } from "@tiptap/extension-table";
import { Color, TextStyle } from "@tiptap/extension-text-style";
import StarterKit from "@tiptap/starter-kit";

/** Data attributes carry a node's attributes through copy and paste inside the editor. */
const DATA_NODE = "data-cairn-node";
const DATA_ATTRS = "data-cairn-attrs";

/** Attributes kept in the document but never rendered as HTML attributes. */
function dataAttributes(defaults: Record<string, unknown>, keepOnSplit = true): Attributes {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(defaults)) {
    attributes[name] = { default: value, rendered: false, keepOnSplit };
  }
  return attributes;
}

function parseRule(type: string, tag: string) {
  return {
    tag: `${tag}[${DATA_NODE}="${type}"]`,
    getAttrs: (element: HTMLElement) => {
      try {
        const parsed = JSON.parse(element.getAttribute(DATA_ATTRS) ?? "{}");
        return typeof parsed === "object" && parsed !== null ? parsed : {};
      } catch {
        return false;
      }
    },
  };
}

function dataOf(type: string, attrs: Record<string, unknown>, extra: Record<string, string> = {}) {
  return { [DATA_NODE]: type, [DATA_ATTRS]: JSON.stringify(attrs), ...extra };
}

function parametersText(parameters: unknown): string {
  if (!parameters || typeof parameters !== "object") return "";
  const pairs = Object.entries(parameters as Record<string, string>).map(([k, v]) => (k ? `${k}=${v}` : v));
  return pairs.length ? ` (${pairs.join(", ")})` : "";
}

const macroAttributes = { macroId: null, schemaVersion: null, parameters: null, pageLinks: null };

/** Keeps allow-listed XHTML attributes the editor does not edit (`class`, `style`, …). */
const HtmlAttributes = Extension.create({
  name: "cairnHtmlAttributes",
  addGlobalAttributes() {
    return [
      {
        types: ["paragraph", "heading", "bulletList", "orderedList", "listItem", "blockquote", "table", "tableRow", "tableCell", "tableHeader"],
        attributes: { html: { default: null, rendered: false } },
      },
    ];
  },
});

/** The code macro: TipTap's code block with the macro's title and identity. */
const ConfluenceCode = CodeBlock.extend({
  addAttributes() {
    return { ...this.parent?.(), ...dataAttributes({ title: null, ...macroAttributes }) };
  },
});

const ConfluenceTaskItem = TaskItem.extend({
  addAttributes() {
    // A split task is a new task: it must not copy the original's id.
    return { ...this.parent?.(), ...dataAttributes({ taskId: null }, false) };
  },
});

const ConfluenceTable = Table.extend({
  addAttributes() {
    return { ...this.parent?.(), ...dataAttributes({ colgroup: null }) };
  },
});

export const PANEL_TYPES = ["info", "note", "tip", "warning", "panel"] as const;

/** info, note, tip, warning and panel macros: a titled box with rich content. */
const ConfluencePanel = Node.create({
  name: "confluencePanel",
  group: "block",
  content: "block+",
  defining: true,
  addAttributes() {
    return dataAttributes({ panelType: "info", title: null, ...macroAttributes });
  },
  parseHTML() {
    return [parseRule(this.name, "div")];
  },
  renderHTML({ node }) {
    const type = String(node.attrs.panelType);
    return ["div", mergeAttributes(dataOf(this.name, node.attrs, {
      class: `cairn-panel cairn-panel-${type}`,
      "data-title": node.attrs.title ?? type,
    })), 0];
  },
});

/** The expand macro: a titled section shown open while editing. */
const ConfluenceExpand = Node.create({
  name: "confluenceExpand",
  group: "block",
  content: "block+",
  defining: true,
  addAttributes() {
    return dataAttributes({ title: null, ...macroAttributes });
  },
  parseHTML() {
    return [parseRule(this.name, "div")];
  },
  renderHTML({ node }) {
    return ["div", dataOf(this.name, node.attrs, { class: "cairn-expand", "data-title": node.attrs.title ?? "Click here to expand..." }), 0];
  },
});

const MACRO_LABELS: Record<string, string> = { toc: "Table of contents", children: "Child pages" };

/** Bodyless block macros edited through their parameters: toc and children. */
const ConfluenceMacro = Node.create({
  name: "confluenceMacro",
  group: "block",
  atom: true,
  selectable: true,
  addAttributes() {
    return dataAttributes({ name: "toc", ...macroAttributes });
  },
  parseHTML() {
    return [parseRule(this.name, "div")];
  },
  renderHTML({ node }) {
    const label = MACRO_LABELS[node.attrs.name] ?? node.attrs.name;
    return ["div", dataOf(this.name, node.attrs, { class: "cairn-atom cairn-macro-block" }), `${label}${parametersText(node.attrs.parameters)}`];
  },
});

/** Storage the editor does not model, shown by name and parameters, carried unchanged. */
function rawNode(name: "rawBlock" | "rawInline") {
  const inline = name === "rawInline";
  return Node.create({
    name,
    group: inline ? "inline" : "block",
    inline,
    atom: true,
    selectable: true,
    draggable: true,
    addAttributes() {
      return dataAttributes({ storage: "", label: "", parameters: null });
    },
    parseHTML() {
      return [parseRule(name, inline ? "span" : "div")];
    },
    renderHTML({ node }) {
      const text = `${node.attrs.label || "unknown"}${parametersText(node.attrs.parameters)}`;
      return [inline ? "span" : "div", dataOf(name, node.attrs, {
        class: "cairn-atom cairn-raw",
        title: "Kept as it is: this content cannot be edited here",
      }), text];
    },
  });
}

/** An inline atom whose attributes the server writes and reads. */
function inlineAtom(name: string, defaults: Record<string, unknown>, render: (attrs: Record<string, any>) => [string, Record<string, string>, string?]) {
  return Node.create({
    name,
    group: "inline",
    inline: true,
    atom: true,
    selectable: true,
    addAttributes() {
      return dataAttributes(defaults);
    },
    parseHTML() {
      return [parseRule(name, "span"), parseRule(name, "img")];
    },
    renderHTML({ node }) {
      const [tag, attributes, text] = render(node.attrs);
      const dom = dataOf(name, node.attrs, attributes);
      return text === undefined ? [tag, dom] : [tag, dom, text];
    },
  });
}

export const STATUS_COLOURS = ["Grey", "Red", "Yellow", "Green", "Blue", "Purple"] as const;

export const EMOTICONS: Record<string, string> = {
  smile: "🙂", sad: "🙁", cheeky: "😛", laugh: "😆", wink: "😉", "thumbs-up": "👍", "thumbs-down": "👎",
  information: "ℹ️", tick: "✅", cross: "❌", warning: "⚠️", plus: "➕", minus: "➖", question: "❓",
  "light-on": "💡", "light-off": "💡", "yellow-star": "⭐", "red-star": "⭐", "green-star": "⭐",
  "blue-star": "⭐", heart: "❤️", "broken-heart": "💔",
};

/** Only URLs a browser may load as an image; the server checks again on save. */
function safeImageSource(url: unknown): string | null {
  if (typeof url !== "string") return null;
  return /^(https?:\/\/|\/(?!\/)|data:image\/(png|gif|jpe?g|webp)[;,])/i.test(url.trim()) ? url : null;
}

const ConfluenceStatus = inlineAtom("confluenceStatus", { colour: null, title: null, ...macroAttributes }, (a) => [
  "span", { class: `cairn-atom cairn-status cairn-status-${String(a.colour ?? "grey").toLowerCase()}` }, String(a.title ?? "STATUS").toUpperCase(),
]);
const ConfluenceAnchor = inlineAtom("confluenceAnchor", { name: "", ...macroAttributes }, (a) => [
  "span", { class: "cairn-atom cairn-anchor", title: `Anchor ${a.name}` }, `⚓ ${a.name}`,
]);
const ConfluenceImage = inlineAtom("confluenceImage",
  { attachment: null, url: null, width: null, height: null, align: null, alt: null, title: null, src: null },
  (a) => {
    const src = safeImageSource(a.src);
    if (!src) return ["span", { class: "cairn-atom cairn-image-missing" }, `🖼 ${a.attachment ?? a.url ?? "image"}`];
    const align = ["left", "center", "right"].includes(a.align) ? ` cairn-image-align-${a.align}` : "";
    const attributes: Record<string, string> = { class: `cairn-image${align}`, src, alt: a.alt ?? a.attachment ?? "" };
    if (a.width) attributes.width = String(a.width);
    return ["img", attributes];
  });
const ConfluenceLink = inlineAtom("confluenceLink",
  { page: null, spaceKey: null, attachment: null, anchor: null, body: null },
  (a) => ["span", { class: "cairn-atom cairn-page-link" }, a.body ?? a.page ?? a.attachment ?? `#${a.anchor}`]);
const ConfluenceMention = inlineAtom("confluenceMention",
  { userKey: null, accountId: null, username: null, label: null },
  (a) => ["span", { class: "cairn-atom cairn-mention" }, `@${a.label ?? a.username ?? a.userKey ?? a.accountId}`]);
const ConfluenceEmoticon = inlineAtom("confluenceEmoticon",
  { name: "smile", shortname: null, emojiId: null, fallback: null },
  (a) => ["span", { class: "cairn-atom cairn-emoticon", title: a.name }, a.fallback ?? EMOTICONS[a.name] ?? `:${a.name}:`]);
const ConfluenceDate = inlineAtom("confluenceDate", { datetime: "" }, (a) => [
  "span", { class: "cairn-atom cairn-date" }, String(a.datetime),
]);

/** Link URLs the server accepts: http, https, mailto, tel and relative. */
export function isAllowedLink(url: string): boolean {
  const compact = url.replace(/[\u0000-\u0020\u007f]/g, "");
  const scheme = /^([^:/?#]+):/.exec(compact);
  return !scheme || ["http", "https", "mailto", "tel"].includes(scheme[1].toLowerCase());
}

/** Every extension of the editor, in one list. */
export function extensions() {
  return [
    StarterKit.configure({
      codeBlock: false,
      // An empty paragraph added after a last table or macro would be an edit of an unedited page.
      trailingNode: false,
      heading: { levels: [1, 2, 3, 4, 5, 6] },
      link: {
        openOnClick: false,
        autolink: true,
        HTMLAttributes: { target: null, rel: null },
        isAllowedUri: (url) => isAllowedLink(url),
      },
    }),
    HtmlAttributes,
    ConfluenceCode,
    TaskList,
    ConfluenceTaskItem.configure({ nested: true }),
    ConfluenceTable.configure({ resizable: false }),
    TableRow,
    TableHeader,
    TableCell,
    TextStyle,
    Color,
    Subscript,
    Superscript,
    ConfluencePanel,
    ConfluenceExpand,
    ConfluenceMacro,
    rawNode("rawBlock"),
    rawNode("rawInline"),
    ConfluenceStatus,
    ConfluenceAnchor,
    ConfluenceImage,
    ConfluenceLink,
    ConfluenceMention,
    ConfluenceEmoticon,
    ConfluenceDate,
  ];
}
