// Modal dialogs (the link dialog, an image by its address, the macro forms): a native <dialog> outside the page's
// form, so that Enter submits the dialog and not the page. Escape or Cancel closes it; either way
// the focus goes back to the editor, with its selection as it was.

import type { Editor } from "@tiptap/core";
import { returnFocus } from "./context";

export interface DialogOptions {
  title: string;
  className?: string;
  /** Fields and anything else shown between the title and the buttons. */
  content: HTMLElement[];
  submitLabel: string;
  /** More buttons before Cancel (such as "Remove link"). */
  extraButtons?: Array<{ label: string; run(close: () => void): void }>;
  /** Runs on submit. A string is an error to show, and the dialog stays open; otherwise the
   * handler closes the dialog (`close()`) before changing the document. */
  submit(close: () => void): string | void;
}

let dialogs = 0;
let fields = 0;

/** A label wrapping its text and `input`. */
export function field(label: string, input: HTMLElement, ...after: HTMLElement[]): HTMLLabelElement {
  const wrapper = document.createElement("label");
  wrapper.className = "cairn-dialog-field";
  const text = document.createElement("span");
  text.textContent = label;
  // Named by its label's text alone: a select wrapped in a label would add its chosen option.
  text.id = `cairn-field-${++fields}`;
  input.setAttribute("aria-labelledby", text.id);
  wrapper.append(text, input, ...after);
  return wrapper;
}

export function textInput(value = "", type = "text"): HTMLInputElement {
  const input = document.createElement("input");
  input.type = type;
  input.value = value;
  input.autocomplete = "off";
  input.spellcheck = false;
  return input;
}

/** A select of `[value, text]` choices; a value not among them (kept from the page) is added. */
export function selectInput(choices: ReadonlyArray<readonly [string, string]>, value = ""): HTMLSelectElement {
  const select = document.createElement("select");
  for (const [optionValue, text] of choices) select.add(new Option(text, optionValue));
  if (!choices.some(([optionValue]) => optionValue === value)) select.add(new Option(value, value));
  select.value = value;
  return select;
}

/** A checkbox with its label after it. */
export function checkbox(label: string, checked: boolean): { element: HTMLLabelElement; input: HTMLInputElement } {
  const input = document.createElement("input");
  input.type = "checkbox";
  input.checked = checked;
  const element = document.createElement("label");
  element.className = "cairn-dialog-check";
  element.append(input, ` ${label}`);
  return { element, input };
}

export function showDialog(editor: Editor, options: DialogOptions): HTMLDialogElement {
  const id = `cairn-dialog-${++dialogs}`;
  const dialog = document.createElement("dialog");
  dialog.className = `cairn-dialog ${options.className ?? ""}`.trim();
  dialog.setAttribute("aria-labelledby", `${id}-title`);
  const form = document.createElement("form");
  form.noValidate = true;
  const title = document.createElement("h2");
  title.id = `${id}-title`;
  title.textContent = options.title;
  const error = document.createElement("p");
  error.className = "cairn-dialog-error";
  error.setAttribute("role", "alert");
  error.hidden = true;

  const buttons = document.createElement("div");
  buttons.className = "cairn-dialog-buttons";
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = options.submitLabel;
  buttons.append(submit);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    returnFocus(editor);
  };
  for (const extra of options.extraButtons ?? []) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = extra.label;
    button.addEventListener("click", () => extra.run(close));
    buttons.append(button);
  }
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", close);
  buttons.append(cancel);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const problem = options.submit(close);
    if (typeof problem === "string") {
      error.textContent = problem;
      error.hidden = false;
    }
  });
  // Enter submits from every field, as it does from a text field (not from buttons or text areas).
  form.addEventListener("keydown", (event) => {
    const target = event.target as HTMLElement;
    const submitsOnEnter = target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && target.type === "checkbox");
    if (event.key === "Enter" && submitsOnEnter) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  dialog.addEventListener("close", close);
  form.append(title, ...options.content, error, buttons);
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
