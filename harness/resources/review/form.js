// The review form: builds every item from the embedded JSON with textContent only
// (answers are model output, so never parsed as HTML), keeps the ratings in
// localStorage while the rater works, and saves them as a CSV download.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var CRITERIA = ["correct", "helpful", "format", "tone"];
  var COLUMNS = ["sheet", "item", "rater", "correct", "helpful", "format", "tone", "pass", "comment"];
  var storeKey = "golden-harness-review:" + data.sheet;
  var state = load();
  var root = document.getElementById("items");
  var raterInput = document.getElementById("rater");
  var message = document.getElementById("message");
  var progress = document.getElementById("progress");

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storeKey) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch (e) {
      return {};
    }
  }

  function persist() {
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(state));
    } catch (e) {
      // Storage can be off for file:// pages; the form still works until it is closed.
    }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function ratingOf(id) {
    if (!state.ratings) state.ratings = {};
    if (!state.ratings[id]) state.ratings[id] = {};
    return state.ratings[id];
  }

  function filled(r) {
    return CRITERIA.concat(["pass"]).filter(function (k) { return r[k]; });
  }

  function refresh(card, id) {
    var r = ratingOf(id);
    card.classList.toggle("done", filled(r).length === CRITERIA.length + 1);
    var done = data.items.filter(function (it) {
      return filled(ratingOf(it.item)).length === CRITERIA.length + 1;
    }).length;
    progress.textContent = done + " of " + data.items.length + " rated";
  }

  function choice(card, it, field, legendText, help, values, labels) {
    var fs = el("fieldset");
    fs.appendChild(el("legend", "", legendText));
    fs.appendChild(el("span", "help", help));
    var r = ratingOf(it.item);
    values.forEach(function (v, i) {
      var label = el("label");
      var input = el("input");
      input.type = "radio";
      input.name = it.item + ":" + field;
      input.value = v;
      input.dataset.item = it.item;
      input.dataset.field = field;
      input.checked = r[field] === v;
      input.addEventListener("change", function () {
        ratingOf(it.item)[field] = v;
        persist();
        refresh(card, it.item);
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + labels[i]));
      fs.appendChild(label);
    });
    return fs;
  }

  function render() {
    data.items.forEach(function (it, n) {
      var rubric = data.rubrics[it.suite] || {};
      var card = el("section", "item");
      card.id = it.item;
      var h = el("h2", "", (n + 1) + ". " + it.item + " ");
      h.appendChild(el("span", "meta", "suite " + it.suite + " \u00b7 example " + it.example_id + " \u00b7 answer from " + it.code));
      card.appendChild(h);
      card.appendChild(el("p", "intro", rubric.intro || ""));
      card.appendChild(el("div", "label", "Question"));
      card.appendChild(el("div", "text", it.prompt));
      card.appendChild(el("div", "label", "Answer"));
      card.appendChild(el("div", "text answer", it.answer));
      if (it.reference) {
        card.appendChild(el("div", "label", "Reference answer"));
        card.appendChild(el("div", "text", it.reference));
      }
      CRITERIA.forEach(function (c) {
        card.appendChild(choice(card, it, c, c + " (1-5)", rubric[c] || "", ["1", "2", "3", "4", "5"], ["1", "2", "3", "4", "5"]));
      });
      card.appendChild(choice(card, it, "pass", "verdict", rubric.pass || "", ["pass", "fail"], ["pass", "fail"]));
      var fs = el("fieldset");
      fs.appendChild(el("legend", "", "comment (optional)"));
      var area = el("textarea");
      area.name = it.item + ":comment";
      area.value = ratingOf(it.item).comment || "";
      area.addEventListener("input", function () {
        ratingOf(it.item).comment = area.value;
        persist();
      });
      fs.appendChild(area);
      card.appendChild(fs);
      root.appendChild(card);
      refresh(card, it.item);
    });
  }

  function csvField(value) {
    return '"' + String(value).replace(/"/g, '""') + '"';
  }

  function save() {
    var rater = raterInput.value.trim();
    if (!rater) {
      message.textContent = "Enter your name first: it goes into every row of the saved file.";
      raterInput.focus();
      return;
    }
    var rows = [COLUMNS.join(",")];
    var incomplete = [];
    data.items.forEach(function (it) {
      var r = ratingOf(it.item);
      var have = filled(r);
      if (!have.length && !(r.comment || "").trim()) return;
      if (have.length < CRITERIA.length + 1) {
        incomplete.push(it.item);
        return;
      }
      var row = [data.sheet, it.item, rater, r.correct, r.helpful, r.format, r.tone, r.pass, r.comment || ""];
      rows.push(row.map(csvField).join(","));
    });
    if (incomplete.length) {
      message.textContent = "Not saved: finish or clear " + incomplete.join(", ") + " (every score and the verdict).";
      document.getElementById(incomplete[0]).scrollIntoView();
      return;
    }
    if (rows.length === 1) {
      message.textContent = "Nothing to save yet: rate at least one answer.";
      return;
    }
    message.textContent = "";
    var blob = new Blob([rows.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "ratings-" + data.sheet + "-" + rater.replace(/[^A-Za-z0-9_-]+/g, "_") + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    progress.textContent = (rows.length - 1) + " rating(s) saved";
  }

  raterInput.value = state.rater || "";
  raterInput.addEventListener("input", function () {
    state.rater = raterInput.value;
    persist();
  });
  document.getElementById("save").addEventListener("click", save);
  render();
})();
