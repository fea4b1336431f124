/* Optional help for the "Leave this site" button; every page works without this file.
   - Clicking it replaces this page in the history, so "Back" does not return here.
   - Pressing Escape three times within two seconds does the same. */
(function () {
  "use strict";
  var exit = document.querySelector("[data-exit]");
  if (exit) {
    var leave = function (event) {
      if (event) { event.preventDefault(); }
      document.body.innerHTML = "";
      window.location.replace(exit.getAttribute("href"));
    };
    exit.addEventListener("click", leave);
    var presses = [];
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var now = Date.now();
      presses = presses.filter(function (t) { return now - t < 2000; });
      presses.push(now);
      if (presses.length >= 3) { leave(); }
    });
  }
  // Move focus to the error summary so screen reader users hear what went wrong.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }
})();
