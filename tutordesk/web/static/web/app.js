// The pages' small behaviours: plain words when htmx fails, the slide-over panel, bulk selection
// and copying a link. Everything also works without this file: links open full pages, forms post.
(function () {
  "use strict";

  function panel() {
    return document.getElementById("panel");
  }
  function panelBody() {
    return document.getElementById("panel-body");
  }

  // ---- failures: say so where the change was asked for, never fail silently
  function explain(event, text) {
    var elt = event.detail.elt;
    var target = event.detail.target;
    var box = null;
    if (target && target.id === "panel-body") {
      box = panelBody();
      var form = box.querySelector("form");
      if (form) box = form;
    } else {
      var row = elt && elt.closest("[data-session-id]");
      box = row && row.querySelector("[data-row-messages]");
    }
    if (!box) return;
    var note = box.querySelector("[data-row-error], [data-form-error]");
    if (!note) {
      note = document.createElement("p");
      note.setAttribute("role", "alert");
      note.setAttribute("data-row-error", "");
      note.className = "mt-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-left text-sm text-red-800 whitespace-normal";
      box.appendChild(note);
    }
    note.textContent = text;
    var dialog = panel();
    if (target && target.id === "panel-body" && dialog && !dialog.open) dialog.showModal();
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      explain(event, "This change was refused: your login may have expired. Reload the page and try again.");
    } else if (status === 404) {
      explain(event, "This session is no longer available to you. Reload the page.");
    } else if (status === 503) {
      explain(event, "Tutordesk cannot reach its database right now; nothing was changed. Try again shortly.");
    } else {
      explain(event, "Something went wrong on our side and nothing was changed. Reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    explain(event, "Could not reach Tutordesk. Check your connection and try again.");
  });

  // ---- the slide-over: opens when a form lands in it, closes with its buttons, Esc or the backdrop
  var opener = null;
  var closedAt = 0; // when the panel last closed: an answer asked for before that is not shown
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "panel-body") return;
    event.detail.xhr.tutordeskSentAt = performance.now();
    if (!panel().open) opener = event.detail.elt;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "panel-body") return;
    if ((event.detail.xhr.tutordeskSentAt || 0) < closedAt) event.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "panel-body") return;
    var dialog = panel();
    if (!dialog.open) dialog.showModal();
    var first = target.querySelector("[role=alert]") ? null : target.querySelector(
      "select:not([disabled]), input:not([type=hidden]):not([disabled]), textarea, button[type=submit]"
    );
    if (first) first.focus();
  });
  document.addEventListener("click", function (event) {
    var dialog = panel();
    if (dialog && event.target === dialog) dialog.close(); // a click on the backdrop
    if (event.target.closest("[data-panel-close]") && dialog) dialog.close();
    var copy = event.target.closest("[data-copy]");
    if (copy) copyLink(copy);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var dialog = panel();
    if (!dialog) return;
    dialog.addEventListener("close", function () {
      closedAt = performance.now();
      panelBody().innerHTML = "";
      if (opener && document.body.contains(opener)) opener.focus();
      opener = null;
    });
  });

  // ---- copying the calendar link
  function copyLink(button) {
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    var status = button.closest("[data-calendar-feed]");
    status = status && status.querySelector("[data-copy-status]");
    function done() {
      button.textContent = "Copied";
      if (status) status.textContent = "Copied. Paste it into your calendar app’s “subscribe” or “from URL” field.";
    }
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  }

  // ---- bulk marking: the buttons wake up once a session is selected
  function bulkState() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var boxes = document.querySelectorAll('input[data-select][form="bulk-form"]');
    var chosen = 0;
    boxes.forEach(function (box) {
      if (box.checked) chosen += 1;
    });
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = chosen === 0;
    });
    var count = form.querySelector("[data-selected-count]");
    if (count) {
      count.textContent = chosen === 0 ? "Select sessions to mark several at once" : chosen + " selected";
    }
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll('input[data-select][form="bulk-form"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches("[data-select], [data-select-all]")) bulkState();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id !== "bulk-form") return;
    // After the browser has read the clicked button, so a second click cannot send it again.
    window.setTimeout(function () {
      event.target.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  document.addEventListener("htmx:afterSettle", bulkState);
  document.addEventListener("DOMContentLoaded", bulkState);

  // ---- date pickers: the browser shows its own format; the line under the picker says the
  // choice as the pages print it (Mon 7 Dec 2026, 16:00), as web.forms.as_printed does.
  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function asPrinted(value, zone) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value || "");
    if (!m) return "";
    var weekday = DAYS[new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay()];
    var day = weekday + " " + +m[3] + " " + MONTHS[+m[2] - 1] + " " + m[1];
    return m[4] ? day + ", " + m[4] + ":" + m[5] + (zone ? " (" + zone + ")" : "") : day;
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[type="date"], input[type="datetime-local"]')) return;
    var line = document.getElementById(input.id + "_as_printed");
    if (line) line.textContent = asPrinted(input.value, line.getAttribute("data-zone"));
  });
})();
