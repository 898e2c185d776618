// Filters for the per-example drill-down. Progressive enhancement: without
// this script every example is listed and the filter controls stay hidden.
// It only reads data-* attributes and toggles `hidden`/`open`; it never
// writes markup, so no example text is ever parsed as HTML.
(function () {
  "use strict";
  var root = document.getElementById("gh-examples");
  if (!root) {
    return;
  }
  var controls = root.querySelector(".filters");
  var failingOnly = controls.querySelector('[data-filter="failing"]');
  var tagSelect = controls.querySelector('[data-filter="tag"]');
  var count = controls.querySelector('[data-role="count"]');
  var examples = Array.prototype.slice.call(root.querySelectorAll("details.example"));
  var groups = Array.prototype.slice.call(root.querySelectorAll("section.drill"));

  function hasTag(example, tag) {
    var chips = example.querySelectorAll(".tag[data-tag]");
    for (var i = 0; i < chips.length; i++) {
      if (chips[i].getAttribute("data-tag") === tag) {
        return true;
      }
    }
    return false;
  }

  function apply() {
    var onlyFailing = failingOnly.checked;
    var tag = tagSelect.value;
    var shown = 0;
    examples.forEach(function (example) {
      var visible =
        (!onlyFailing || example.getAttribute("data-failing") === "true") &&
        (tag === "" || hasTag(example, tag));
      example.hidden = !visible;
      if (visible) {
        shown += 1;
      }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("details.example:not([hidden])");
    });
    count.textContent = shown + " of " + examples.length + " shown";
  }

  function setOpen(open) {
    examples.forEach(function (example) {
      example.open = open;
    });
  }

  failingOnly.addEventListener("change", apply);
  tagSelect.addEventListener("change", apply);
  controls.querySelector('[data-action="expand"]').addEventListener("click", function () {
    setOpen(true);
  });
  controls.querySelector('[data-action="collapse"]').addEventListener("click", function () {
    setOpen(false);
  });
  // A printed scorecard shows every example in full.
  window.addEventListener("beforeprint", function () {
    setOpen(true);
  });
  // An anchor followed into a closed example opens it.
  function openTarget() {
    var id = window.location.hash.slice(1);
    try {
      id = decodeURIComponent(id);
    } catch (e) {
      // A malformed escape: look the fragment up as written.
    }
    var target = id ? document.getElementById(id) : null;
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.hidden = false;
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  controls.hidden = false;
  apply();
})();
