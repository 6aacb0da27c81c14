/* The admin's autocomplete boxes (select2) name themselves after their selected value only, so an empty one has
   no accessible name (WCAG 4.1.2; axe's aria-input-field-name). Once select2 has drawn them, each takes the name
   of the box it stands for: its label, or the aria-label register.admin.LabelledFormSet gave it in an inline row.
   Without JavaScript there is no select2 and the plain select is named already. */
"use strict";
(function () {
  function nameOf(select) {
    const label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) {
      if (!label.id) label.id = select.id + "-label";
      return { labelledBy: label.id };
    }
    return { label: select.getAttribute("aria-label") || "" };
  }

  function nameBoxes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const drawn = select.nextElementSibling;
      if (!drawn || !drawn.classList.contains("select2")) return;
      const name = nameOf(select);
      drawn.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (box) {
        if (name.labelledBy) {
          const shown = box.getAttribute("role") === "combobox" ? box.getAttribute("aria-labelledby") : null;
          box.setAttribute("aria-labelledby", shown ? name.labelledBy + " " + shown : name.labelledBy);
        } else if (name.label) {
          box.removeAttribute("aria-labelledby");
          box.setAttribute("aria-label", name.label);
        }
      });
    });
  }

  window.addEventListener("load", nameBoxes);
  document.addEventListener("formset:added", function () { window.setTimeout(nameBoxes, 0); });
})();
