// Images: chosen with the file picker, dropped on the editor or pasted, each file is attached to
// the page (`POST /rest/api/content/{id}/child/attachment`) and inserted as a `confluenceImage`
// naming the attachment; or an image by its address (`ri:url`). Other files dropped on the editor
// are attached the same way and inserted as links to the attachment. A new page has no id until it is
// saved: the create form's draft autosave provides one when the page has it, otherwise the
// person is told to save the page first.

import type { Editor } from "@tiptap/core";
import { selectNodeBefore } from "./controls";
import { attachmentContainer, contextOf } from "./context";
import { field, showDialog, textInput } from "./dialog";
import { uploadAttachment } from "./requests";

export function imageFiles(files: FileList | null | undefined): File[] {
  return Array.from(files ?? []).filter((file) => file.type.startsWith("image/"));
}

/** The address the editor shows an attachment of `contentId` from (display only). */
export function attachmentSource(contentId: string, filename: string): string {
  return `/download/attachments/${encodeURIComponent(contentId)}/${encodeURIComponent(filename)}`;
}

/**
 * The name a file is attached under. A pasted image is called "image.png" by the browser, so
 * each one gets a name of its own, as Confluence does: image-2024-05-01-12-30-45-123.png.
 */
export function attachmentName(file: File, now = new Date()): string {
  if (file.name && !/^image\.\w+$/i.test(file.name)) return file.name;
  const extension = /^image\/(png|gif|jpeg|webp|bmp|svg)/.exec(file.type)?.[1]?.replace("jpeg", "jpg") ?? "png";
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const stamp = [now.getFullYear(), pad(now.getMonth() + 1), pad(now.getDate()), pad(now.getHours()), pad(now.getMinutes()),
    pad(now.getSeconds()), pad(now.getMilliseconds(), 3)].join("-");
  return `image-${stamp}.${extension}`;
}

/**
 * Attaches each file to the page and inserts it at `position` (a drop) or at the selection, one
 * after the other: an image as an image, any other file as a link to it. A last image ends up
 * selected, with its size and alignment controls.
 */
export async function insertFiles(editor: Editor, files: File[], position?: number): Promise<void> {
  const { announce } = contextOf(editor);
  if (files.length === 0) return;
  const container = await attachmentContainer(editor);
  if (!container) return;
  const contentId = container.id;
  let at = position;
  for (const [index, file] of files.entries()) {
    const name = attachmentName(file, new Date(Date.now() + index));
    announce(`Attaching ${name}…`);
    let stored: string;
    try {
      stored = await uploadAttachment(contentId, file, name);
    } catch (error) {
      const advice = container.draft ? " Save the page once, then add it again." : "";
      announce(`${name} could not be attached: ${(error as Error).message}.${advice}`);
      return;
    }
    if (editor.isDestroyed) return;
    const inserted = file.type.startsWith("image/")
      ? { type: "confluenceImage", attrs: { attachment: stored, src: attachmentSource(contentId, stored) } }
      : { type: "confluenceLink", attrs: { attachment: stored } };
    const chain = editor.chain().focus();
    if (at !== undefined) chain.insertContentAt(Math.min(at, editor.state.doc.content.size), inserted);
    else chain.insertContent(inserted);
    chain.run();
    at = at === undefined ? undefined : editor.state.selection.from;
    announce(`${stored} is attached to the page and shown here.`);
  }
  selectNodeBefore(editor, "confluenceImage");
}

/** Opens the file picker; the chosen images are attached and inserted at the selection. */
export function pickImageFiles(editor: Editor): void {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = "image/*";
  input.multiple = true;
  input.hidden = true;
  input.addEventListener("change", () => {
    const files = imageFiles(input.files);
    input.remove();
    void insertFiles(editor, files);
  });
  input.addEventListener("cancel", () => input.remove());
  // Outside the page's form: the picked files are uploaded here, never posted with the page.
  document.body.append(input);
  input.click();
}

/** Image addresses the server accepts: http, https and relative ones. */
function isImageAddress(url: string): boolean {
  return /^(https?:\/\/[^\s]+|\/(?!\/)\S*)$/i.test(url);
}

export function insertImageFromUrl(editor: Editor): void {
  const address = textInput("", "url");
  address.placeholder = "https://";
  const alternative = textInput();
  showDialog(editor, {
    title: "Image from a web address",
    content: [field("Image address", address), field("Alternative text", alternative)],
    submitLabel: "Insert image",
    submit(close) {
      const url = address.value.trim();
      if (!isImageAddress(url)) return "Give an http, https or relative address of an image.";
      const alt = alternative.value.trim() || null;
      close();
      editor.chain().focus().insertContent({ type: "confluenceImage", attrs: { url, src: url, alt } }).run();
      selectNodeBefore(editor, "confluenceImage");
    },
  });
}
