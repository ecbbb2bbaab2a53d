// Pipeline board: drag a card onto another stage column to move it there. This only
// enhances the page: every card's "Move to …" button submits the same form, and the
// server decides (a refused move lists what is missing).
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) return;
  var dragged = null;
  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest("li.deal");
    if (!card || !card.querySelector("form.move")) { e.preventDefault(); return; }
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
    card.classList.add("dragging");
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  board.addEventListener("dragover", function (e) {
    var col = e.target.closest && e.target.closest("[data-stage]");
    if (!dragged || !col || col.contains(dragged)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    col.classList.add("drop-target");
  });
  board.addEventListener("dragleave", function (e) {
    var col = e.target.closest && e.target.closest("[data-stage]");
    if (col && !col.contains(e.relatedTarget)) col.classList.remove("drop-target");
  });
  board.addEventListener("drop", function (e) {
    var col = e.target.closest && e.target.closest("[data-stage]");
    if (!dragged || !col || col.contains(dragged)) return;
    e.preventDefault();
    var form = dragged.querySelector("form.move");
    form.querySelector("input[name=to]").value = col.getAttribute("data-stage");
    form.submit();
  });
})();
