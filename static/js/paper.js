/*
 * The position paper's change page: the buttons above the form (Preview, Generate PDF, Approve
 * and register, …) act on the paper as last saved. When the form has changes not yet saved, a
 * click on one of them first asks whether to go on without them; declining leaves the page, and
 * the changes, as they are.
 *
 * The script tag gives the form's id (data-form) and the question in the page's language
 * (data-unsaved-message). No framework: plain DOM.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) {
    return;
  }
  var message = script.getAttribute("data-unsaved-message");
  var formId = script.getAttribute("data-form");
  var loaded = null; // each field's value once the page (and the admin's own scripts) had loaded

  function form() {
    return document.getElementById(formId);
  }

  function fields() {
    var found = form();
    if (!found) {
      return [];
    }
    return Array.prototype.filter.call(found.elements, function (field) {
      var tag = field.tagName;
      return (
        field.name &&
        (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") &&
        // Hidden inputs are the form's bookkeeping (ids, the inlines' counts), not what staff typed;
        // "__prefix__" marks the template an inline copies for its "Add another" row.
        field.type !== "hidden" &&
        ["submit", "button", "reset", "image"].indexOf(field.type) === -1 &&
        field.name.indexOf("__prefix__") === -1
      );
    });
  }

  function current(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked ? "on" : "";
    }
    if (field.tagName === "SELECT") {
      return Array.prototype.filter
        .call(field.options, function (option) { return option.selected; })
        .map(function (option) { return option.value; })
        .join("\n");
    }
    return field.value;
  }

  // What a field held when the server sent the page: for a field added since (a new inline row).
  function original(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.defaultChecked ? "on" : "";
    }
    if (field.tagName === "SELECT") {
      var chosen = Array.prototype.filter.call(field.options, function (option) {
        return option.defaultSelected;
      });
      if (!chosen.length && !field.multiple && field.options.length) {
        chosen = [field.options[0]];
      }
      return chosen.map(function (option) { return option.value; }).join("\n");
    }
    return field.defaultValue;
  }

  function snapshot() {
    loaded = new Map();
    fields().forEach(function (field) {
      loaded.set(field, current(field));
    });
  }

  function hasUnsavedChanges() {
    return fields().some(function (field) {
      var before = loaded && loaded.has(field) ? loaded.get(field) : original(field);
      return current(field) !== before;
    });
  }

  window.addEventListener("load", snapshot);

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target instanceof Element ? event.target : null;
      var tool = target && target.closest(".object-tools a, .object-tools button");
      if (!tool || !message || !hasUnsavedChanges()) {
        return;
      }
      if (!window.confirm(message)) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true
  );
})();
