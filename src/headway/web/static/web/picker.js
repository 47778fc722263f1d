/* Headway pickers: Enter in a picker's search box picks the first match instead of submitting
   the form; ArrowDown moves into the matches. The radio group works without this script. */
(function () {
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(".hw-picker input[type=search]")) return;
    var options = document.getElementById(box.getAttribute("aria-controls"));
    if (!options) return;
    var radios = options.querySelectorAll("input[type=radio]:not([value=''])");
    if (event.key === "Enter") {
      event.preventDefault();
      if (radios.length) { radios[0].checked = true; radios[0].focus(); }
    } else if (event.key === "ArrowDown" && radios.length) {
      event.preventDefault();
      var checked = options.querySelector("input[type=radio]:checked") || radios[0];
      checked.focus();
    }
  });
})();
