// htmx leaves the page as it is when a request fails; say so in the row instead of failing silently.
(function () {
  "use strict";
  function explain(event, text) {
    var row = event.detail.elt && event.detail.elt.closest("[data-session-id]");
    if (!row) return;
    var note = row.querySelector("[data-row-error]");
    if (!note) {
      note = document.createElement("p");
      note.setAttribute("role", "alert");
      note.setAttribute("data-row-error", "");
      note.className = "mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800";
      row.appendChild(note);
    }
    note.textContent = text;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      explain(event, "This change was refused: your login may have expired. Reload the page and try again.");
    } else if (status === 404) {
      explain(event, "This session is no longer available to you. Reload the page.");
    } else {
      explain(event, "Something went wrong on our side and nothing was changed. Reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    explain(event, "Could not reach Tutordesk. Check your connection and try again.");
  });
})();
