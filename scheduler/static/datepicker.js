/* A small date picker for the text inputs marked data-datepicker (dd/mm/yyyy).
 *
 * The browser's own <input type="date"> follows the operating system's locale (12/31/2026 on an
 * English Windows) rather than the page's; this one follows the interface language (<html lang>):
 * month and weekday names come from Intl in that language, weeks start on Monday, the value is
 * always dd/mm/yyyy. Typing stays possible; the picker only helps. Keyboard: Alt+ArrowDown (or F4)
 * in the field opens it, arrows move by day/week, PageUp/PageDown by month, Enter picks, Escape
 * closes. No dependency, no CDN.
 */
(function () {
  "use strict";

  var lang = (document.documentElement.lang || "vi").toLowerCase();
  var TEXT = {
    vi: {open: "Chọn ngày", prev: "Tháng trước", next: "Tháng sau", today: "Hôm nay", dialog: "Chọn ngày"},
    en: {open: "Pick a date", prev: "Previous month", next: "Next month", today: "Today", dialog: "Pick a date"}
  }[lang.slice(0, 2)] || {open: "Chọn ngày", prev: "‹", next: "›", today: "Hôm nay", dialog: "Chọn ngày"};

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear(); }
  function parse(text) {
    var m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || "");
    if (!m) {
      m = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text || "");
      if (!m) { return null; }
      m = [m[0], m[3], m[2], m[1]];
    }
    var d = new Date(+m[3], +m[2] - 1, +m[1]);
    return d.getMonth() === +m[2] - 1 ? d : null;
  }
  function sameDay(a, b) {
    return a && b && a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }
  function addDays(d, n) { return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n); }
  function addMonths(d, n) {
    var day = d.getDate(), first = new Date(d.getFullYear(), d.getMonth() + n, 1);
    var last = new Date(first.getFullYear(), first.getMonth() + 1, 0).getDate();
    return new Date(first.getFullYear(), first.getMonth(), Math.min(day, last));
  }

  var monthName = new Intl.DateTimeFormat(lang, {month: "long", year: "numeric"});
  var weekdayName = new Intl.DateTimeFormat(lang, {weekday: "short"});
  var longDate = new Intl.DateTimeFormat(lang, {weekday: "long", day: "numeric", month: "long", year: "numeric"});
  var open = null;  // {input, popup, focus}

  function close(returnFocus) {
    if (!open) { return; }
    var input = open.input;
    open.popup.remove();
    open.button.setAttribute("aria-expanded", "false");
    open = null;
    if (returnFocus) { input.focus(); }
  }

  function pick(date) {
    var input = open.input;
    input.value = format(date);
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
    close(true);
  }

  function button(text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm btn-light";
    b.textContent = text;
    if (label) { b.setAttribute("aria-label", label); }
    b.addEventListener("click", onClick);
    return b;
  }

  function render(focusDay) {
    var popup = open.popup, chosen = parse(open.input.value), today = new Date();
    open.focus = focusDay;
    popup.textContent = "";
    var head = document.createElement("div");
    head.className = "d-flex align-items-center justify-content-between mb-1 gap-1";
    var title = document.createElement("span");
    title.className = "fw-bold text-capitalize small";
    title.setAttribute("aria-live", "polite");
    title.textContent = monthName.format(focusDay);
    head.append(button("‹", TEXT.prev, function () { render(addMonths(open.focus, -1)); }), title,
                button("›", TEXT.next, function () { render(addMonths(open.focus, 1)); }));
    popup.append(head);

    var table = document.createElement("table");
    table.className = "table table-sm table-borderless mb-1 text-center";
    table.setAttribute("role", "grid");
    var row = document.createElement("tr");
    var monday = new Date(2024, 0, 1);  // a Monday
    for (var i = 0; i < 7; i++) {
      var th = document.createElement("th");
      th.scope = "col";
      th.className = "small text-muted fw-normal";
      th.textContent = weekdayName.format(addDays(monday, i));
      row.append(th);
    }
    var thead = document.createElement("thead");
    thead.append(row);
    table.append(thead);

    var first = new Date(focusDay.getFullYear(), focusDay.getMonth(), 1);
    var start = addDays(first, -((first.getDay() + 6) % 7));
    var body = document.createElement("tbody");
    var focusButton = null;
    for (var week = 0; week < 6; week++) {
      row = document.createElement("tr");
      for (var day = 0; day < 7; day++) {
        var date = addDays(start, week * 7 + day);
        var cell = document.createElement("td");
        cell.className = "p-0";
        var b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-sm w-100 " + (sameDay(date, chosen) ? "btn-primary" :
          sameDay(date, today) ? "btn-outline-primary" : "btn-link text-decoration-none" +
          (date.getMonth() !== focusDay.getMonth() ? " text-muted" : " text-body"));
        b.textContent = date.getDate();
        b.setAttribute("aria-label", longDate.format(date));
        if (sameDay(date, chosen)) { b.setAttribute("aria-pressed", "true"); }
        b.tabIndex = sameDay(date, focusDay) ? 0 : -1;
        b.dataset.date = format(date);
        b.addEventListener("click", (function (d) { return function () { pick(d); }; })(date));
        if (sameDay(date, focusDay)) { focusButton = b; }
        cell.append(b);
        row.append(cell);
      }
      body.append(row);
    }
    table.append(body);
    popup.append(table);
    popup.append(button(TEXT.today, null, function () { pick(new Date()); }));
    if (focusButton) { focusButton.focus(); }
  }

  function onKey(event) {
    if (!open) { return; }
    var moves = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7};
    if (event.key === "Escape") {
      event.preventDefault();
      close(true);
    } else if (event.key in moves && event.target.dataset.date) {
      event.preventDefault();
      render(addDays(open.focus, moves[event.key]));
    } else if (event.key === "PageUp" || event.key === "PageDown") {
      event.preventDefault();
      render(addMonths(open.focus, event.key === "PageUp" ? -1 : 1));
    }
  }

  function show(input, toggle) {
    if (open && open.input === input) { close(true); return; }
    close(false);
    var popup = document.createElement("div");
    popup.className = "datepicker-popup card shadow p-2";
    popup.setAttribute("role", "dialog");
    popup.setAttribute("aria-label", TEXT.dialog);
    popup.addEventListener("keydown", onKey);
    toggle.parentNode.insertBefore(popup, toggle.nextSibling);
    toggle.setAttribute("aria-expanded", "true");
    open = {input: input, popup: popup, button: toggle, focus: null};
    render(parse(input.value) || new Date());
  }

  function attach(input) {
    if (input.dataset.datepickerReady) { return; }
    input.dataset.datepickerReady = "1";
    var group = document.createElement("div");
    group.className = "input-group datepicker-group" + (input.classList.contains("form-control-sm") ? " input-group-sm" : "");
    if (input.classList.contains("is-invalid")) { group.classList.add("has-validation"); }
    input.parentNode.insertBefore(group, input);
    group.append(input);
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "btn btn-outline-secondary";
    toggle.setAttribute("aria-label", TEXT.open);
    toggle.setAttribute("aria-haspopup", "dialog");
    toggle.setAttribute("aria-expanded", "false");
    toggle.dataset.testid = "datepicker-toggle";
    // typing is the keyboard's way; the picker opens with Alt+ArrowDown (or F4) in the field,
    // so the button adds no Tab stop
    toggle.tabIndex = -1;
    input.addEventListener("keydown", function (event) {
      if ((event.altKey && event.key === "ArrowDown") || event.key === "F4") {
        event.preventDefault();
        show(input, toggle);
      }
    });
    toggle.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" fill="currentColor" aria-hidden="true">' +
      '<path d="M3.5 0a.5.5 0 0 1 .5.5V1h8V.5a.5.5 0 0 1 1 0V1h1a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H2a2 2 0 0 1-2-2V3a2 2 0 0 1 2-2h1V.5a.5.5 0 0 1 .5-.5M1 4v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V4z"/></svg>';
    toggle.addEventListener("click", function () { show(input, toggle); });
    group.append(toggle);
    // the field's error message must stay next to the input for Bootstrap to show it
    var next = group.nextElementSibling;
    while (next && next.classList.contains("invalid-feedback")) {
      var move = next;
      next = next.nextElementSibling;
      group.append(move);
    }
  }

  document.addEventListener("click", function (event) {
    if (open && !open.popup.contains(event.target) && !open.button.contains(event.target)) { close(false); }
  });

  function init() { document.querySelectorAll("input[data-datepicker]").forEach(attach); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
