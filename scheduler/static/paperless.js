/* The meeting page's attendance summary, kept live: the counts are read again from the API
   every 20 seconds while the page is open, so the chair sees units checking in. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-attendance-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-attendance-url");
  var refresh = function () {
    if (document.hidden) { return; }
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.summary) { return; }
        Object.keys(data.summary).forEach(function (key) {
          var cell = panel.querySelector("[data-count=" + key + "]");
          if (cell) { cell.textContent = String(data.summary[key]); }
        });
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  };
  window.setInterval(refresh, 20000);
}());
