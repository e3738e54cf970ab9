// On a phone the sidebar (page tree, space tools) starts folded behind its "Menu" summary, so the page
// comes first; without this script it stays open.
(function () {
  "use strict";
  if (window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll("details.sidebar-menu").forEach(function (menu) {
      menu.open = false;
    });
  }
})();

// Quick search: as a title is typed into the header's search box, suggest matching pages and blog
// posts (GET /rest/quicknav/1/search). The arrow keys move through the
// suggestions (announced through aria-activedescendant), Enter opens the one chosen, Escape closes
// them; Enter with none chosen still submits the full search. The suggestions are links.
(function () {
  "use strict";
  var input = document.querySelector("header.top form.search input[name=queryString]");
  if (!input) {
    return;
  }
  var list = document.createElement("ul");
  list.className = "quick-results";
  list.hidden = true;
  list.id = "quick-results";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggested pages");
  input.setAttribute("autocomplete", "off");
  // A search box (its own role) that owns a list: the active option is announced through
  // aria-activedescendant.
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.parentNode.appendChild(list);

  var timer = null;
  var asked = 0;
  // The suggestion the arrow keys are on, -1 for none.
  var chosen = -1;

  function options() {
    return list.querySelectorAll("li[role=option]");
  }

  function choose(index) {
    var items = options();
    chosen = items.length === 0 ? -1 : Math.max(-1, Math.min(index, items.length - 1));
    items.forEach(function (item, position) {
      item.setAttribute("aria-selected", position === chosen ? "true" : "false");
    });
    if (chosen >= 0) {
      input.setAttribute("aria-activedescendant", items[chosen].id);
      items[chosen].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function setOpen(open) {
    list.hidden = !open;
    if (!open) {
      choose(-1);
    }
  }

  function show(matches) {
    list.textContent = "";
    matches.forEach(function (match, position) {
      var item = document.createElement("li");
      item.id = "quick-result-" + position;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = match.href;
      link.textContent = match.name;
      link.tabIndex = -1;
      var space = document.createElement("span");
      space.className = "muted";
      space.textContent = " " + match.spaceName;
      link.appendChild(space);
      item.appendChild(link);
      list.appendChild(item);
    });
    chosen = -1;
    setOpen(matches.length > 0);
  }

  function suggest() {
    var typed = input.value.trim();
    if (typed.length < 2) {
      show([]);
      return;
    }
    var ticket = ++asked;
    fetch("/rest/quicknav/1/search?query=" + encodeURIComponent(typed), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { contentNameMatches: [] };
      })
      .then(function (found) {
        if (ticket === asked) {
          show((found.contentNameMatches && found.contentNameMatches[0]) || []);
        }
      })
      .catch(function () {
        show([]);
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && options().length > 0;
    if (event.key === "Escape") {
      setOpen(false);
    } else if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      choose(chosen + 1);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      choose(chosen - 1);
    } else if (event.key === "Enter" && open && chosen >= 0) {
      event.preventDefault();
      window.location.href = options()[chosen].querySelector("a").href;
    }
  });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== input) {
      setOpen(false);
    }
  });
})();

// Code blocks: pages carry Confluence's markup, the code as plain text in pre.syntaxhighlighter-pre and
// its options in data-syntaxhighlighter-params ("brush: java; gutter: true; first-line: 10; theme:
// Confluence; collapse: true"). As Confluence does in the browser, number the lines when the gutter is
// on and fold collapsed blocks behind their "Expand source" control. Without this script the code is
// simply shown whole.
(function () {
  "use strict";

  function options(pre) {
    var found = {};
    (pre.getAttribute("data-syntaxhighlighter-params") || "").split(";").forEach(function (option) {
      var colon = option.indexOf(":");
      if (colon > 0) {
        found[option.slice(0, colon).trim()] = option.slice(colon + 1).trim();
      }
    });
    return found;
  }

  // Line numbers are spans the reader cannot select, so copied code stays clean.
  function numberLines(pre, firstLine) {
    var lines = pre.textContent.replace(/\n$/, "").split("\n");
    pre.textContent = "";
    lines.forEach(function (line, index) {
      if (index > 0) {
        pre.appendChild(document.createTextNode("\n"));
      }
      var number = document.createElement("span");
      number.className = "line-number";
      number.setAttribute("aria-hidden", "true");
      number.textContent = String(firstLine + index);
      pre.appendChild(number);
      pre.appendChild(document.createTextNode(line));
    });
  }

  function makeFoldable(panel) {
    var control = panel.querySelector(".codeHeader .collapse-source");
    var content = panel.querySelector(".codeContent");
    if (!control || !content) {
      return;
    }
    var label = control.querySelector(".expand-control-text");
    control.style.display = "";
    control.setAttribute("role", "button");
    control.tabIndex = 0;
    function show(expanded) {
      content.hidden = !expanded;
      control.setAttribute("aria-expanded", String(expanded));
      if (label) {
        label.textContent = expanded ? "Collapse source" : "Expand source";
      }
    }
    show(false);
    control.addEventListener("click", function () {
      show(content.hidden);
    });
    control.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        show(content.hidden);
      }
    });
  }

  document.querySelectorAll(".wiki-content pre.syntaxhighlighter-pre").forEach(function (pre) {
    var found = options(pre);
    if (found.gutter === "true") {
      var firstLine = parseInt(found["first-line"], 10);
      numberLines(pre, isNaN(firstLine) ? 1 : firstLine);
    }
    var panel = pre.closest(".code.panel");
    if (found.collapse === "true" && panel) {
      makeFoldable(panel);
    }
  });
})();

// The page editor's form: leaving it with unsaved changes asks first (the title, the fields, the
// storage textarea, and the editor, which announces its edits with `cairn-editor-change`), and
// choosing another space lists that space's pages as parents. Without script the form still posts.
(function () {
  "use strict";
  var form = document.querySelector("form[data-unsaved-warning]");
  if (!form) {
    return;
  }
  var unsaved = false;
  function changed() {
    unsaved = true;
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("cairn-editor-change", changed);
  form.addEventListener("submit", function () {
    unsaved = false;
    submitting = true;
  });
  var submitting = false;

  // Drafts: while someone writes, the form is saved as their draft a few seconds after they stop
  // typing (and at least every 15 seconds while they type), so that closing the browser loses
  // nothing. A published page's draft is offered again by its editor; a new page's draft is the
  // page itself, unpublished, listed on the dashboard under "Your drafts".
  var draftUrl = form.getAttribute("data-draft-url");
  var draftStatus = form.querySelector(".draft-status");
  var draftTimer = null;
  var firstChangeAt = 0;
  var changesSinceDraft = 0;
  var saving = null;
  function formForDraft() {
    var data = new FormData(form);
    var editor = form.querySelector("[data-cairn-editor]");
    var documentJson = editor && window.cairnEditor ? window.cairnEditor.documentOf(editor) : null;
    if (documentJson !== null && documentJson !== undefined) {
      data.set("body", documentJson);
      data.set("body_format", "editor-json");
    }
    return new URLSearchParams(data);
  }
  function saveDraft() {
    draftTimer = null;
    firstChangeAt = 0;
    if (!draftUrl || submitting) {
      return Promise.resolve(null);
    }
    if (saving) {
      return saving.then(saveDraft);
    }
    var counted = changesSinceDraft;
    saving = fetch(draftUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: formForDraft(),
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) {
            throw new Error(answer.message || "the draft could not be saved");
          }
          return answer;
        });
      })
      .then(function (answer) {
        if (changesSinceDraft === counted) {
          unsaved = false;
        }
        if (draftStatus) {
          draftStatus.textContent = "Draft saved " + answer.savedAt;
        }
        // A new page's first draft creates it: later saves, images and Publish use that page.
        var draftField = form.querySelector("input[name=draftId]");
        if (answer.draftId && draftField) {
          draftField.value = String(answer.draftId);
          var mount = form.querySelector("[data-cairn-editor]");
          if (mount) {
            mount.setAttribute("data-content-id", String(answer.draftId));
          }
        }
        return answer.contentId;
      })
      .catch(function (error) {
        if (draftStatus) {
          draftStatus.textContent = "Draft not saved: " + error.message;
        }
        return null;
      })
      .finally(function () {
        saving = null;
      });
    return saving;
  }
  function scheduleDraft() {
    if (!draftUrl) {
      return;
    }
    changesSinceDraft += 1;
    var now = Date.now();
    if (!firstChangeAt) {
      firstChangeAt = now;
    }
    clearTimeout(draftTimer);
    var wait = Math.max(0, Math.min(3000, firstChangeAt + 15000 - now));
    draftTimer = setTimeout(saveDraft, wait);
  }
  form.addEventListener("input", scheduleDraft);
  form.addEventListener("change", scheduleDraft);
  form.addEventListener("cairn-editor-change", scheduleDraft);
  window.cairnDrafts = {
    // Saves the draft now; resolves to the id of the page it belongs to (null if it failed).
    saveNow: function () {
      clearTimeout(draftTimer);
      return saveDraft();
    },
  };
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // Ctrl+S (Cmd+S) saves from anywhere on the page, as it does inside the editor (which handles
  // it first and marks the event handled).
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key === "s" && !event.defaultPrevented) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  var space = form.querySelector("select[name=spaceKey]");
  var parent = form.querySelector("select[name=parentId]");
  if (!space || !parent) {
    return;
  }
  space.addEventListener("change", function () {
    var key = space.value;
    fetch("/rest/api/content?type=page&limit=200&spaceKey=" + encodeURIComponent(key), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (found) {
        if (space.value !== key) {
          return;
        }
        while (parent.options.length > 1) {
          parent.remove(1);
        }
        parent.selectedIndex = 0;
        (found.results || [])
          .slice()
          .sort(function (a, b) {
            return a.title.localeCompare(b.title);
          })
          .forEach(function (page) {
            parent.add(new Option(page.title, page.id));
          });
        parent.setAttribute("data-space", key);
      })
      .catch(function () {
        parent.selectedIndex = 0;
      });
  });
})();

// `e` on a page opens its editor, as in Confluence (not while typing into a field).
(function () {
  "use strict";
  var edit = document.querySelector("a[data-keyboard-shortcut=e]");
  if (!edit) {
    return;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "e" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    if (target.isContentEditable || (target.closest && target.closest("input, textarea, select"))) {
      return;
    }
    event.preventDefault();
    window.location.href = edit.href;
  });
})();
