/* Meeting pages: the print button, the participant picker (bulk groups, filter, count) and
   showing only the recurrence controls that apply. Plain script, no library, no CDN. */
(function () {
  "use strict";

  document.querySelectorAll("[data-action=print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Folding as the server does (core/textsearch.py): "ba dinh" finds "Ba Đình".
  var fold = function (text) {
    return (text || "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase();
  };
  var fill = function (template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key]; });
  };

  var picker = document.querySelector("[data-participants]");
  if (picker) { participantPicker(picker); }

  function participantPicker(picker) {
    var list = picker.querySelector("#participants");
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-code]"));
    var counter = picker.querySelector("[data-selected-count]");
    var chips = picker.querySelector("[data-chips]");
    var warning = picker.querySelector("[data-vc-warning]");
    var modeSelect = document.querySelector("select[name=mode]");
    var MAX_CHIPS = 40;
    var box = function (item) { return item.querySelector("input"); };
    var chosen = function () { return items.filter(function (item) { return box(item).checked; }); };

    var refresh = function () {
      var picked = chosen();
      if (counter) { counter.textContent = String(picked.length); }
      chips.textContent = "";
      picked.slice(0, MAX_CHIPS).forEach(function (item) {
        var chip = document.createElement("button");
        chip.type = "button";
        chip.className = "btn btn-sm btn-light border py-0" + (item.hasAttribute("data-no-vc") ? " border-warning" : "");
        chip.textContent = item.getAttribute("data-name") + " ×";
        chip.setAttribute("aria-label", fill(picker.dataset.textRemove, {name: item.getAttribute("data-name")}));
        chip.dataset.code = item.getAttribute("data-code");
        chip.addEventListener("click", function () {
          box(item).checked = false;
          refresh();
          var next = chips.querySelector("button");
          (next || list).focus();
        });
        chips.append(chip);
      });
      if (picked.length > MAX_CHIPS) {
        var more = document.createElement("span");
        more.className = "small text-muted align-self-center";
        more.textContent = fill(picker.dataset.textMore, {n: picked.length - MAX_CHIPS});
        chips.append(more);
      }
      var noVc = picked.filter(function (item) { return item.hasAttribute("data-no-vc"); });
      var mode = modeSelect ? modeSelect.value : "in_person";
      warning.hidden = !noVc.length || mode === "in_person";
      if (!warning.hidden) {
        var names = noVc.slice(0, 10).map(function (item) { return item.getAttribute("data-name"); }).join(", ") +
          (noVc.length > 10 ? "…" : "");
        warning.querySelector("[data-vc-text]").textContent =
          fill(mode === "online" ? picker.dataset.textOnline : picker.dataset.textHybrid, {n: noVc.length, names: names});
        var drop = warning.querySelector("[data-vc-drop]");
        drop.hidden = mode !== "online";
        drop.textContent = fill(picker.dataset.textDrop, {n: noVc.length});
      }
    };

    warning.querySelector("[data-vc-drop]").addEventListener("click", function () {
      chosen().forEach(function (item) { if (item.hasAttribute("data-no-vc")) { box(item).checked = false; } });
      refresh();
    });
    if (modeSelect) { modeSelect.addEventListener("change", refresh); }

    // With script the group is ticked in place instead of sending the form, unless the
    // meeting's day has changed: then the form goes back for the unit tree of that day.
    var addGroup = picker.querySelector("[data-add-group]");
    var dayInput = document.getElementById("day");
    var treeDay = picker.getAttribute("data-tree-day");
    if (addGroup) {
      addGroup.addEventListener("click", function (event) {
        if (dayInput && treeDay && dayInput.value.trim() !== treeDay) { return; }
        event.preventDefault();
        var key = picker.querySelector("#participant-group").value;
        items.forEach(function (item) {
          if (item.getAttribute("data-groups").split(" ").indexOf(key) >= 0) { box(item).checked = true; }
        });
        refresh();
      });
    }
    var clear = picker.querySelector("[data-clear-participants]");
    if (clear) {
      clear.classList.remove("d-none");
      clear.addEventListener("click", function () {
        items.forEach(function (item) { box(item).checked = false; });
        refresh();
      });
    }

    // The list is one Tab stop: arrows, Home and End move between the visible units.
    var visible = function () { return items.filter(function (item) { return !item.hidden; }); };
    var current = null;
    var focusable = function (item) {
      items.forEach(function (other) { box(other).tabIndex = -1; });
      current = item;
      if (item) { box(item).tabIndex = 0; }
    };
    focusable(visible()[0]);
    list.addEventListener("focusin", function (event) {
      var item = event.target.closest("li[data-code]");
      if (item) { focusable(item); }
    });
    list.addEventListener("keydown", function (event) {
      var shown = visible(), at = shown.indexOf(current), to = null;
      if (event.key === "ArrowDown") { to = shown[Math.min(at + 1, shown.length - 1)]; }
      else if (event.key === "ArrowUp") { to = shown[Math.max(at - 1, 0)]; }
      else if (event.key === "Home") { to = shown[0]; }
      else if (event.key === "End") { to = shown[shown.length - 1]; }
      else if (event.key === "Enter") { event.preventDefault(); }
      if (to) {
        event.preventDefault();
        focusable(to);
        box(to).focus();
      }
    });

    var filter = picker.querySelector("[data-participant-filter]");
    if (filter) {
      filter.addEventListener("input", function () {
        var words = fold(filter.value).split(/\s+/).filter(Boolean);
        items.forEach(function (item) {
          var text = item.getAttribute("data-search");
          item.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
        });
        if (!current || current.hidden) { focusable(visible()[0]); }
      });
      // Enter in the filter box must not submit the booking.
      filter.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
    }
    picker.addEventListener("change", refresh);
    refresh();
  }

  var roomsBox = document.querySelector("[data-rooms]");
  if (roomsBox) { roomPicker(roomsBox); }

  // Rooms: the host unit's rooms and the chosen ones; other rooms appear when searched for.
  // Each option says whether the room is free at the day and hours typed in the form.
  function roomPicker(box) {
    var select = box.querySelector("select");
    var options = Array.prototype.slice.call(select.options);
    var hostIds = JSON.parse(box.getAttribute("data-host-ids") || "{}");
    var host = document.querySelector("select[name=host_unit]");
    var search = box.querySelector("[data-room-filter]");
    var form = box.closest("form");
    var states = box.querySelector("[data-room-states]");
    var show = function () {
      var hostId = host ? String(hostIds[host.value] || "") : "";
      var words = fold(search.value).split(/\s+/).filter(Boolean);
      options.forEach(function (option) {
        var matches = words.length ? words.every(function (w) { return option.dataset.search.indexOf(w) >= 0; })
          : option.dataset.unit === hostId;
        option.hidden = !(option.selected || matches);
      });
    };
    var field = function (name) { var input = form.querySelector("[name=" + name + "]"); return input ? input.value : ""; };
    var timer = null;
    var check = function () {
      var ids = options.filter(function (o) { return !o.hidden; }).map(function (o) { return o.value; }).slice(0, 200);
      if (!ids.length || !field("day") || !field("start") || !field("end")) { return; }
      var url = box.dataset.availabilityUrl + "?" + new URLSearchParams({
        date: field("day"), start: field("start"), end: field("end"), rooms: ids.join(",")});
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {busy: {}}; })
        .then(function (answer) {
          // the options keep their names (what people and tests pick by); the states are
          // listed under the list and tint the busy options
          states.textContent = "";
          options.forEach(function (option) {
            if (option.hidden) { return; }
            var what = answer.busy[option.value];
            option.dataset.state = what ? "busy" : "free";
            option.title = what ? fill(box.dataset.textBusy, {what: what}) : box.dataset.textFree;
            if (states.childElementCount < 12) {
              var line = document.createElement("li");
              line.dataset.room = option.value;
              line.className = what ? "text-danger" : "text-success";
              line.textContent = option.dataset.label + ": " + option.title;
              states.append(line);
            }
          });
        })
        .catch(function () { /* availability is a help; booking still checks */ });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(check, 300); };
    search.addEventListener("input", function () { show(); later(); });
    search.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    if (host) { host.addEventListener("change", function () { show(); later(); }); }
    ["day", "start", "end"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (input) { input.addEventListener("change", later); }
    });
    show();
    check();
  }

  var grid = document.querySelector(".week-grid");
  if (grid) { weekGrid(grid); }

  // The week grid: each meeting drawn over the hours it lasts (side by side when they overlap),
  // and an empty slot booked by clicking it, or a longer one by dragging down its day.
  function weekGrid(grid) {
    grid.classList.add("spanning");
    var firstCell = grid.querySelector("tbody td[data-hour]");
    var place = function () {
      var hour = firstCell ? firstCell.getBoundingClientRect().height : 56;
      grid.querySelectorAll(".meeting-chip[data-minutes]").forEach(function (chip) {
        var lanes = Number(chip.dataset.lanes) || 1, lane = Number(chip.dataset.lane) || 0;
        chip.style.top = (Number(chip.dataset.offset) / 60 * hour) + "px";
        chip.style.height = Math.max(Number(chip.dataset.minutes) / 60 * hour - 2, 20) + "px";
        chip.style.left = (lane * 100 / lanes) + "%";
        chip.style.width = (100 / lanes) + "%";
      });
    };
    place();
    window.addEventListener("resize", place);

    var url = grid.dataset.bookUrl;
    if (!url) { return; }
    var first = Number(grid.dataset.firstHour);
    var slotOf = function (cell, event) {
      var hour = Number(cell.dataset.hour);
      if (!(hour >= first)) { return null; }  // the "before office hours" row
      var box = cell.getBoundingClientRect();
      return hour * 60 + (event.clientY - box.top >= box.height / 2 ? 30 : 0);
    };
    var clock = function (minutes) { return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60); };
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var drag = null;
    var mark = function (to) {
      grid.querySelectorAll("td.book-selecting").forEach(function (c) { c.classList.remove("book-selecting"); });
      var low = Math.min(drag.from, to), high = Math.max(drag.from, to);
      grid.querySelectorAll('td[data-day="' + drag.day + '"]').forEach(function (c) {
        var h = Number(c.dataset.hour) * 60;
        if (h + 30 > low && h <= high) { c.classList.add("book-selecting"); }
      });
    };
    grid.addEventListener("mousedown", function (event) {
      var cell = event.target.closest("td[data-day]");
      if (!cell || event.button !== 0 || event.target.closest(".meeting-chip")) { return; }
      var slot = slotOf(cell, event);
      if (slot === null) { return; }
      event.preventDefault();
      drag = {day: cell.dataset.day, from: slot, to: slot};
      mark(slot);
    });
    grid.addEventListener("mouseover", function (event) {
      var cell = drag && event.target.closest("td[data-day]");
      if (!cell || cell.dataset.day !== drag.day) { return; }
      var slot = slotOf(cell, event);
      if (slot !== null) { drag.to = slot; mark(slot); }
    });
    document.addEventListener("mouseup", function (event) {
      if (!drag) { return; }
      var cell = event.target.closest && event.target.closest("td[data-day]");
      if (cell && cell.dataset.day === drag.day) {
        var slot = slotOf(cell, event);
        if (slot !== null) { drag.to = slot; }
      }
      var start = Math.min(drag.from, drag.to), end = Math.max(drag.from, drag.to) + 30;
      if (end - start < 60) { end = start + 60; }  // a click books an hour
      var query = new URLSearchParams({date: drag.day, start: clock(start), end: clock(Math.min(end, 24 * 60 - 1))});
      drag = null;
      window.location.href = url + (url.indexOf("?") >= 0 ? "&" : "?") + query.toString();
    });
  }

  var recurrence = document.querySelector("[data-recurrence]");
  if (recurrence) {
    var repeat = recurrence.querySelector("select[name=rrule]");
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
