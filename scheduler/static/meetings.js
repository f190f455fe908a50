/* Meeting pages: the print button, the participant picker (bulk groups, filter, count) and
   showing only the recurrence controls that apply. Plain script, no library, no CDN. */
(function () {
  "use strict";

  document.querySelectorAll("[data-action=print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var picker = document.querySelector("[data-participants]");
  if (picker) {
    var boxes = function () { return picker.querySelectorAll("input[name=participants]"); };
    var counter = picker.querySelector("[data-selected-count]");
    var refresh = function () {
      var n = 0;
      boxes().forEach(function (box) { if (box.checked) { n += 1; } });
      if (counter) { counter.textContent = String(n); }
    };
    // With script the group buttons tick the boxes in place instead of sending the form, unless
    // the meeting's day has changed: then the form goes back for the tree of that day.
    var dayInput = document.getElementById("day");
    var treeDay = picker.getAttribute("data-tree-day");
    picker.querySelectorAll("[data-group]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (dayInput && treeDay && dayInput.value.trim() !== treeDay) { return; }
        event.preventDefault();
        var key = button.getAttribute("data-group");
        picker.querySelectorAll("li[data-groups]").forEach(function (item) {
          if (item.getAttribute("data-groups").split(" ").indexOf(key) >= 0) {
            item.querySelector("input").checked = true;
          }
        });
        refresh();
      });
    });
    var clear = picker.querySelector("[data-clear-participants]");
    if (clear) {
      clear.classList.remove("d-none");
      clear.addEventListener("click", function () {
        boxes().forEach(function (box) { box.checked = false; });
        refresh();
      });
    }
    var filter = picker.querySelector("[data-participant-filter]");
    if (filter) {
      filter.addEventListener("input", function () {
        var needle = filter.value.trim().toLowerCase();
        picker.querySelectorAll("li[data-search]").forEach(function (item) {
          item.hidden = needle !== "" && item.getAttribute("data-search").indexOf(needle) < 0;
        });
      });
      // Enter in the filter box must not submit the booking.
      filter.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
    }
    picker.addEventListener("change", refresh);
  }

  var recurrence = document.querySelector("[data-recurrence]");
  if (recurrence) {
    var repeat = recurrence.querySelector("select[name=repeat]");
    var show = function () {
      var value = repeat.value;
      recurrence.querySelectorAll("[data-repeat]").forEach(function (part) {
        part.hidden = part.getAttribute("data-repeat") !== value;
      });
      recurrence.querySelectorAll("input[name=interval], input[name=until], input[name=count]")
        .forEach(function (input) { input.closest(".mb-3").hidden = value === "none"; });
    };
    repeat.addEventListener("change", show);
    show();
  }

  var conflicts = document.getElementById("conflicts");
  if (conflicts) { conflicts.focus(); }
})();
