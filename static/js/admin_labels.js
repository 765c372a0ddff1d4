/* Admin pages: a name for every input that Django's own markup leaves without one, so that a
   screen reader says what the input is for (WCAG 1.3.1 and 4.1.2):
   - in a tabular inline, an input stands under its column's heading, which names no input: the
     heading names it;
   - a date-and-time field's label names neither of its inputs, which have only the texts
     "Date:" and "Time:" beside them: each takes the field's name and its text;
   - an autocomplete box (select2) takes the name of the list it replaces, and a multiple one's
     search field too.
   Runs when the page has loaded and when a row is added to an inline. */
(function () {
  "use strict";
  var serial = 0;
  var FIELDS = "input:not([type=hidden]), select, textarea";

  function idOf(element) {
    if (!element.id) {
      serial += 1;
      element.id = "kl-name-" + serial;
    }
    return element.id;
  }

  function named(input) {
    return (
      (input.labels && input.labels.length > 0) ||
      input.hasAttribute("aria-label") ||
      input.hasAttribute("aria-labelledby")
    );
  }

  // The element that names `input` (its <label> or the heading it was given), or null.
  function namer(input) {
    if (input.labels && input.labels.length > 0) {
      return input.labels[0];
    }
    var ids = (input.getAttribute("aria-labelledby") || "").split(/\s+/);
    return ids[0] ? document.getElementById(ids[0]) : null;
  }

  function columnHeading(cell) {
    var table = cell.closest("table");
    var heads = table && table.tHead && table.tHead.rows[0];
    if (!heads) {
      return null;
    }
    var heading = heads.cells[Array.prototype.indexOf.call(cell.parentElement.cells, cell)];
    return heading && heading.textContent.trim() ? heading : null;
  }

  function nameColumns(root) {
    root.querySelectorAll(".inline-group .tabular td").forEach(function (cell) {
      var heading = columnHeading(cell);
      if (!heading) {
        return;
      }
      cell.querySelectorAll(FIELDS).forEach(function (input) {
        if (!named(input)) {
          input.setAttribute("aria-labelledby", idOf(heading));
        }
      });
    });
  }

  function bare(text) {
    return text.replace(/\s+/g, " ").trim().replace(/:$/, "");
  }

  // What names a date-and-time field: the label before it (Django writes it without `for`, which
  // would name only the date) or, in a tabular inline, its column's heading.
  function fieldOf(box) {
    var before = box.previousElementSibling;
    if (before && before.tagName === "LABEL") {
      return before;
    }
    var cell = box.closest("td");
    return cell ? columnHeading(cell) : null;
  }

  function nameDateTimes(root) {
    root.querySelectorAll("p.datetime").forEach(function (box) {
      var field = fieldOf(box);
      box.querySelectorAll("input:not([type=hidden])").forEach(function (input) {
        if (input.hasAttribute("aria-label") || (input.labels && input.labels.length > 0)) {
          return;
        }
        var text = input.previousSibling; // "Date:", "Time:"
        var part = text && text.nodeType === Node.TEXT_NODE ? bare(text.textContent) : "";
        var parts = [field ? bare(field.textContent) : "", part].filter(Boolean);
        if (parts.length) {
          input.setAttribute("aria-label", parts.join(" — "));
        }
      });
    });
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var field = namer(select);
      var box = select.nextElementSibling;
      if (!field || !box || !box.classList.contains("select2")) {
        return;
      }
      var fieldId = idOf(field);
      var combobox = box.querySelector("[role=combobox]");
      if (combobox) {
        var ids = (combobox.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
        if (ids.indexOf(fieldId) === -1) {
          combobox.setAttribute("aria-labelledby", [fieldId].concat(ids).join(" "));
        }
      }
      var search = box.querySelector(".select2-search__field");
      if (search && !named(search)) {
        search.setAttribute("aria-labelledby", fieldId);
      }
    });
  }

  function nameAll(root) {
    nameDateTimes(root);
    nameColumns(root);
    nameAutocompletes(root);
  }

  // After Django's own scripts have set the page or the new row up (the date shortcuts, the
  // autocomplete boxes, which jQuery's ready handlers make a moment after the page is parsed).
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      nameAll(document);
    }, 0);
  });
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () {
      nameAll(event.target);
    }, 0);
  });
})();
