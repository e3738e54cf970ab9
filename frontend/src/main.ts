// Entry point of the bundle: mounts the editor on every `[data-cairn-editor]` element once the
// page is parsed, and exposes `window.cairnEditor` for pages that mount later.

import "./editor.css";
import { documentOf, mount, mountAll } from "./mount";

declare global {
  interface Window {
    cairnEditor?: { mount: typeof mount; mountAll: typeof mountAll; documentOf: typeof documentOf };
  }
}

window.cairnEditor = { mount, mountAll, documentOf };

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => mountAll());
} else {
  mountAll();
}
