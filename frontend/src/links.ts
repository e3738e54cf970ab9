// The link dialog (Ctrl+K): "Link to" takes a web address or a page title. While a title is typed
// it lists matching pages (`GET /rest/quicknav/1/search`) and this page's attachments; arrows and
// Enter (or a click) choose one. A page becomes a `confluenceLink` atom (`<ac:link><ri:page …/>`,
// the space left out when it is this page's own), an attachment the same with `ri:attachment`, and
// a web address a link mark. A title typed without choosing links to that page in this space, as
// Confluence allows links to pages not written yet.

import { getMarkRange, type Editor } from "@tiptap/core";
import { NodeSelection } from "@tiptap/pm/state";
import { contextOf } from "./context";
import { field, showDialog, textInput } from "./dialog";
import { attachmentNames, searchTitles } from "./requests";
import { isAllowedLink } from "./schema";

type Target =
  | { kind: "page"; title: string; spaceKey: string; spaceName: string }
  | { kind: "attachment"; filename: string };

function targetName(target: Target): string {
  return target.kind === "page" ? target.title : target.filename;
}

function targetText(target: Target): string {
  return target.kind === "page" ? `${target.title} — ${target.spaceName || target.spaceKey}` : `${target.filename} — attachment`;
}

/** What reads as an address rather than a title: a scheme, a path, an anchor or a domain, with
 * no space (a title may hold a colon: "Retro: March"). */
export function looksLikeAddress(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\S+$/i.test(text) || /^(\/|#|\?|\.\.?\/)/.test(text) || /^(www\.)?[\w-]+(\.[\w-]+)*\.[a-z]{2,}(\/\S*)?$/i.test(text);
}

function normalisedAddress(text: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(text) || /^(\/|#|\?|\.)/.test(text) ? text : `https://${text}`;
}

/** The suggestions under "Link to": a listbox the input points at (a combobox). */
class TargetList {
  readonly element: HTMLUListElement;
  private targets: Target[] = [];
  private active = -1;

  constructor(private readonly input: HTMLInputElement, private readonly choose: (target: Target) => void) {
    this.element = document.createElement("ul");
    this.element.className = "cairn-link-targets";
    this.element.id = `${input.id}-targets`;
    this.element.setAttribute("role", "listbox");
    this.element.setAttribute("aria-label", "Pages and attachments");
    this.element.hidden = true;
    // The focus stays in the field while the list is clicked or scrolled.
    this.element.addEventListener("mousedown", (event) => event.preventDefault());
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", this.element.id);
    input.setAttribute("aria-expanded", "false");
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  get found(): Target[] {
    return this.targets;
  }

  show(targets: Target[], activateFirst: boolean): void {
    this.targets = targets;
    this.active = activateFirst && targets.length > 0 ? 0 : -1;
    this.render();
  }

  move(step: number): void {
    if (this.targets.length === 0) return;
    this.active = (this.active + step + this.targets.length) % this.targets.length;
    this.render();
  }

  /** Chooses the highlighted suggestion; false when none is. */
  chooseActive(): boolean {
    const target = this.targets[this.active];
    if (!this.open || !target) return false;
    this.choose(target);
    return true;
  }

  close(): void {
    this.element.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  private render(): void {
    this.element.replaceChildren(...this.targets.map((target, index) => {
      const option = document.createElement("li");
      option.id = `${this.element.id}-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === this.active));
      option.textContent = targetText(target);
      option.addEventListener("click", () => this.choose(target));
      return option;
    }));
    if (this.targets.length === 0) {
      this.close();
      return;
    }
    this.element.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    if (this.active >= 0) {
      this.input.setAttribute("aria-activedescendant", `${this.element.id}-${this.active}`);
      this.element.children[this.active]?.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }
}

let dialogInputs = 0;

/** The field and its list side by side: the list must not be part of the field's label. */
function combobox(label: HTMLElement, list: HTMLElement): HTMLElement {
  const wrapper = document.createElement("div");
  wrapper.className = "cairn-combobox";
  wrapper.append(label, list);
  return wrapper;
}

export function editLink(editor: Editor): void {
  const { state } = editor;
  const { spaceKey: ownSpace, element } = contextOf(editor);
  const linkType = state.schema.marks.link;
  const selectedAtom = state.selection instanceof NodeSelection && state.selection.node.type.name === "confluenceLink"
    ? state.selection.node : null;
  // The range the link replaces: the selection, or all of the link mark the cursor is in; after
  // a selected image or macro, which a link must not replace.
  let { from, to } = state.selection;
  if (state.selection instanceof NodeSelection && !selectedAtom) from = to;
  if (from === to && editor.isActive("link")) {
    const range = getMarkRange(state.selection.$from, linkType);
    if (range) ({ from, to } = range);
  }
  const selectedText = selectedAtom ? "" : state.doc.textBetween(from, to, " ");
  const previousHref = (editor.getAttributes("link").href as string | undefined) ?? "";
  const hadLink = Boolean(selectedAtom) || editor.isActive("link");

  const target = textInput(selectedAtom ? String(selectedAtom.attrs.page ?? selectedAtom.attrs.attachment ?? "") : previousHref);
  target.id = `cairn-link-target-${++dialogInputs}`;
  target.placeholder = "Page title or web address";
  const text = textInput(selectedAtom ? String(selectedAtom.attrs.body ?? "") : selectedText);
  let chosen: Target | null = selectedAtom && selectedAtom.attrs.page
    ? { kind: "page", title: selectedAtom.attrs.page, spaceKey: selectedAtom.attrs.spaceKey ?? ownSpace, spaceName: "" }
    : selectedAtom && selectedAtom.attrs.attachment ? { kind: "attachment", filename: selectedAtom.attrs.attachment } : null;

  const list = new TargetList(target, (picked) => {
    chosen = picked;
    target.value = targetName(picked);
    list.close();
    target.focus();
  });

  const contentId = element.dataset.contentId;
  const attachments = contentId ? attachmentNames(contentId).catch(() => [] as string[]) : Promise.resolve([] as string[]);
  let lookup: AbortController | null = null;
  let timer: number | undefined;
  const lookUp = () => {
    const typed = target.value.trim();
    lookup?.abort();
    if (!typed || looksLikeAddress(typed)) {
      list.show([], false);
      return;
    }
    const controller = new AbortController();
    lookup = controller;
    const wanted = typed.toLowerCase();
    Promise.all([searchTitles(typed, controller.signal).catch(() => []), attachments]).then(([pages, files]) => {
      if (controller.signal.aborted) return;
      const found: Target[] = [
        ...pages.filter((page) => page.className === "content-type-page")
          .map((page): Target => ({ kind: "page", title: page.name, spaceKey: page.spaceKey, spaceName: page.spaceName })),
        ...files.filter((name) => name.toLowerCase().includes(wanted)).map((filename): Target => ({ kind: "attachment", filename })),
      ];
      list.show(found, true);
    });
  };
  target.addEventListener("input", () => {
    if (chosen && target.value !== targetName(chosen)) chosen = null;
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 150);
  });
  target.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      list.move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && list.chooseActive()) {
      event.preventDefault();
    } else if (event.key === "Escape" && list.open) {
      event.preventDefault();
      event.stopPropagation();
      list.close();
    }
  });
  target.addEventListener("blur", () => list.close());

  const insertAtom = (attrs: Record<string, unknown>) => {
    editor.chain().focus().insertContentAt({ from, to }, { type: "confluenceLink", attrs }).run();
  };
  const linkTo = (picked: Target, body: string) => {
    if (picked.kind === "attachment") {
      insertAtom({ attachment: picked.filename, body: body && body !== picked.filename ? body : null });
      return;
    }
    const spaceKey = ownSpace && picked.spaceKey === ownSpace ? null : picked.spaceKey || null;
    insertAtom({ page: picked.title, spaceKey, body: body && body !== picked.title ? body : null });
  };
  const linkAddress = (url: string, body: string) => {
    if (from !== to && body === selectedText && !selectedAtom) {
      editor.chain().focus().setTextSelection({ from, to }).setLink({ href: url }).run();
      return;
    }
    editor.chain().focus().insertContentAt({ from, to }, { type: "text", text: body || url, marks: [{ type: "link", attrs: { href: url } }] }).run();
  };
  const removeLink = () => {
    if (selectedAtom) {
      const words = String(selectedAtom.attrs.body ?? selectedAtom.attrs.page ?? selectedAtom.attrs.attachment ?? "");
      if (words) editor.chain().focus().insertContentAt({ from, to }, { type: "text", text: words }).run();
      else editor.chain().focus().deleteRange({ from, to }).run();
    } else {
      editor.chain().focus().setTextSelection({ from, to }).unsetLink().run();
    }
  };

  showDialog(editor, {
    title: hadLink ? "Edit link" : "Insert link",
    className: "cairn-link-dialog",
    content: [combobox(field("Link to", target), list.element), field("Link text", text)],
    submitLabel: hadLink ? "Save link" : "Insert link",
    extraButtons: hadLink ? [{ label: "Remove link", run: (close) => { close(); removeLink(); } }] : [],
    submit(close) {
      const typed = target.value.trim();
      const body = text.value.trim();
      if (!typed) {
        if (!hadLink) return "Type a page title or a web address.";
        close();
        removeLink();
        return;
      }
      if (chosen && typed === targetName(chosen)) {
        const picked = chosen;
        close();
        linkTo(picked, body);
        return;
      }
      if (looksLikeAddress(typed)) {
        const url = normalisedAddress(typed);
        if (!isAllowedLink(url)) return "Only http, https, mailto, tel and relative links are allowed.";
        close();
        linkAddress(url, body);
        return;
      }
      const sameTitle = list.found.find((found) => found.kind === "page" && found.title.toLowerCase() === typed.toLowerCase());
      close();
      linkTo(sameTitle ?? { kind: "page", title: typed, spaceKey: ownSpace, spaceName: "" }, body);
    },
  });
}
