// Quick search: as a title is typed into the header's search box, suggest matching pages and blog
// posts (GET /rest/quicknav/1/search). Enter still submits the full search; the suggestions are links.
(function () {
  "use strict";
  var input = document.querySelector("header.top form.search input[name=queryString]");
  if (!input) {
    return;
  }
  var list = document.createElement("ul");
  list.className = "quick-results";
  list.hidden = true;
  input.setAttribute("autocomplete", "off");
  list.id = "quick-results";
  input.parentNode.appendChild(list);

  var timer = null;
  var asked = 0;

  function show(matches) {
    list.textContent = "";
    matches.forEach(function (match) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = match.href;
      link.textContent = match.name;
      var space = document.createElement("span");
      space.className = "muted";
      space.textContent = " " + match.spaceName;
      link.appendChild(space);
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = matches.length === 0;
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
    if (event.key === "Escape") {
      show([]);
    }
  });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== input) {
      list.hidden = true;
    }
  });
})();
