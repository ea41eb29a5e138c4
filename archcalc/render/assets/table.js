/* archcalc's table: each cell that carries its working (data-working) shows it, on click or
   on Enter / Space when focused, in a panel. --format html --standalone inlines this script;
   archcalc serve loads it and calls archcalcWorking for each table it shows. */
(function () {
  "use strict";
  function show(cell, panel) {
    var row = cell.parentNode, name = row.querySelector('[data-key="layer"]');
    var picked = document.querySelectorAll("td.picked");
    for (var i = 0; i < picked.length; i++) picked[i].classList.remove("picked");
    cell.classList.add("picked");
    panel.textContent = (name && name !== cell ? name.textContent + ": " : "") +
      cell.getAttribute("data-working");
  }
  window.archcalcWorking = function (root, panel) {
    root.addEventListener("click", function (e) {
      var cell = e.target.closest && e.target.closest("[data-working]");
      if (cell && root.contains(cell)) show(cell, panel);
    });
    root.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" && e.key !== " ") return;
      var cell = e.target.closest && e.target.closest("[data-working]");
      if (cell && root.contains(cell)) { e.preventDefault(); show(cell, panel); }
    });
  };
  var panel = document.getElementById("working");
  if (panel && !window.archcalcApp) window.archcalcWorking(document, panel);
})();
