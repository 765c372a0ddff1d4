/* The member's answer page, progressively enhanced; everything works without this script.
   - "Add a proposal" adds an empty row in place (without JavaScript the button posts the form
     and the server adds the row; nothing typed is lost).
   - After a refused save, focus moves to the message that says why, for keyboard and screen
     reader users.
   - Typing in the text of "Other" chooses "Other": its radio button is checked (instead of the
     option chosen before) or its checkbox ticked (beside the others). Without JavaScript the
     server takes such text as "Other" when no other single choice stands against it. Unticking
     the checkbox of "Other", or choosing a listed option instead of the radio button of "Other",
     empties its text.
   - Once the form is sent, its save and submit buttons stay disabled until the next page comes,
     so that a double click sends it once. (The server also recognises a save sent twice.)
   - Leaving the page (another address, the language switch, closing the tab) after typing
     something not yet saved asks first, with the browser's own question; saving or submitting
     does not. The consultation's documents download without leaving the page.
   - A text with a character limit (`data-limit`) shows its count beside it once it nears the
     limit ("46 / 50"), in red past it. The browser does not cut the text at the limit (no
     `maxlength`): the server checks it and keeps what was typed. Counted as the server counts:
     letters composed, a line break as one character, spaces at the ends left out. */
(function () {
  "use strict";
  var message =
    document.getElementById("questions-changed") ||
    document.getElementById("error-summary") ||
    document.getElementById("conflict");
  if (message) {
    message.focus();
  }
  var form = document.getElementById("answer-form");
  if (form) {
    var sendButtons = form.querySelectorAll(
      'button[name="action"][value="save"], button[name="action"][value="submit"]'
    );
    var sending = false;
    var setSending = function (on) {
      sending = on;
      sendButtons.forEach(function (button) {
        button.disabled = on;
      });
    };
    form.addEventListener("submit", function (event) {
      if (sending) {
        event.preventDefault();
        return;
      }
      sending = true;
      // Disabled only once the browser has read the form: a button disabled now would leave its
      // own name and value ("submit") out of what is sent.
      window.setTimeout(function () {
        setSending(true);
      }, 0);
      // A request stopped or lost leaves the page here: the buttons work again after a while.
      window.setTimeout(function () {
        setSending(false);
      }, 10000);
    });
    // A page shown again from the back-forward cache is not being sent.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        setSending(false);
      }
    });
    // A refused save, a conflict or changed questions show what was typed, not yet saved.
    var changed = Boolean(message);
    var touched = function () {
      changed = true;
    };
    form.addEventListener("input", touched);
    form.addEventListener("change", touched);
    window.addEventListener("beforeunload", function (event) {
      if (changed && !sending) {
        event.preventDefault();
        event.returnValue = "";  // browsers that ask only when a value is set
      }
    });
  }
  document.querySelectorAll("input[data-other-for]").forEach(function (input) {
    var name = input.getAttribute("data-other-for");
    var choices = document.getElementsByName(name);
    var other = null;
    choices.forEach(function (choice) {
      if (choice.value === "other" && (choice.type === "radio" || choice.type === "checkbox")) {
        other = choice;
      }
    });
    if (!other) {
      return;
    }
    input.addEventListener("input", function () {
      // Only typing chooses it: emptying the text leaves the choice to the member.
      if (input.value.trim() && !other.checked && !other.disabled) {
        other.checked = true;
        other.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    if (other.type === "checkbox") {
      // Unticking "Other" takes its text away: the server takes a text as "Other" chosen (as it
      // must without JavaScript), so the box would come back ticked.
      other.addEventListener("change", function () {
        if (!other.checked && input.value) {
          input.value = "";
        }
      });
    } else {
      // Choosing an option of the list takes the text of "Other" away: a radio button left for
      // another one fires no event of its own, and the server refuses a listed option beside
      // a text for "Other" (one choice only).
      choices.forEach(function (choice) {
        if (choice !== other && choice.type === "radio") {
          choice.addEventListener("change", function () {
            if (choice.checked && input.value) {
              input.value = "";
            }
          });
        }
      });
    }
  });
  var count = function (field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    if (!limit) {
      return;
    }
    var length = Array.from(field.value.normalize("NFC").trim()).length;
    var counter = field.nextElementSibling;
    if (!counter || !counter.hasAttribute("data-count")) {
      if (length < limit * 0.8) {
        return;
      }
      counter = document.createElement("div");
      counter.setAttribute("data-count", "");
      counter.className = "form-text";
      field.insertAdjacentElement("afterend", counter);
    }
    counter.hidden = length < limit * 0.8;
    counter.classList.toggle("text-danger", length > limit);
    counter.textContent = length + " / " + limit;
  };
  if (form) {
    form.querySelectorAll("[data-limit]").forEach(count);
    form.addEventListener("input", function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-limit")) {
        count(event.target);
      }
    });
  }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var prefix = button.getAttribute("data-add-row");
    var template = document.getElementById(prefix + "-empty");
    var rows = document.querySelector('[data-proposal-rows="' + prefix + '"]');
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var most = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!template || !rows || !total || !("content" in template)) {
      return;
    }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      if (most && index >= (parseInt(most.value, 10) || Infinity)) {
        button.disabled = true;  // the table is full (the server says so too, if posted)
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.firstElementChild;
      var number = row.querySelector("[data-row-number]");
      if (number) {
        number.textContent = String(index + 1);
      }
      rows.appendChild(row);
      total.value = String(index + 1);
      var first = row.querySelector("input, textarea");
      if (first) {
        first.focus();
      }
    });
  });
})();
