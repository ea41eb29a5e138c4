/* archcalc serve: the pages. Plain JavaScript, no build step. Every number comes from the
   server (archcalc's Python API and its table renderer); this file only asks and shows. */
(function () {
  "use strict";
  window.archcalcApp = true;
  var $ = function (id) { return document.getElementById(id); };
  var state = { networks: [], choices: null, network: null, paper: false };

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k in e && k !== "list") e[k] = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function post(path, data) {
    return fetch("/api/" + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data || {})
    }).then(function (r) {
      return r.json().catch(function () { return { error: "the server did not answer (" + r.status + ")" }; })
        .then(function (j) { if (!r.ok || j.error) throw j; return j; });
    }, function () { throw { error: "archcalc serve is not reachable: is it still running?" }; });
  }

  function showError(id, err) {
    var p = $(id);
    if (!err) { p.hidden = true; p.textContent = ""; return; }
    p.hidden = false;
    p.textContent = (err.line ? "line " + err.line + ": " : "") + (err.error || String(err));
  }

  function download(text, filename, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type || "text/plain;charset=utf-8" }));
    var a = el("a", { href: url, download: filename });
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); var args = arguments; t = setTimeout(function () { fn.apply(null, args); }, ms); };
  }

  /* A table from the renderer: sortable headers (exact values in data-value), cells that
     show their working in `panel`. */
  function showTable(box, html, panel) {
    box.innerHTML = html;   // the renderer's HTML: every text escaped by archcalc.render.report
    var table = box.querySelector("table");
    if (!table) return;
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      var b = el("button", { type: "button", text: th.textContent, title: "sort by " + th.textContent });
      th.textContent = ""; th.appendChild(b); th.setAttribute("scope", "col");
      b.addEventListener("click", function () { sortBy(table, col, th); });
    });
    if (panel && !box.dataset.wired) { window.archcalcWorking(box, panel); box.dataset.wired = "1"; }
  }

  function sortKey(td) {
    var v = td.getAttribute("data-value");
    if (v !== null && /^-?\d+$/.test(v)) return { n: BigInt(v) };
    return { s: td.textContent.trim() };
  }

  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    rows.forEach(function (r, i) { if (!r.dataset.order) r.dataset.order = i; });
    rows.sort(function (a, b) {
      var x = sortKey(a.cells[col]), y = sortKey(b.cells[col]);
      var c;
      if (x.n !== undefined && y.n !== undefined) c = x.n < y.n ? -1 : x.n > y.n ? 1 : 0;
      else if (x.n !== undefined) c = -1;
      else if (y.n !== undefined) c = 1;
      else c = x.s.localeCompare(y.s, undefined, { numeric: true });
      return c * dir || (a.dataset.order - b.dataset.order);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  /* --- routing ----------------------------------------------------------------------- */
  function route() {
    var hash = location.hash.replace(/^#/, "");
    var page = hash.split(/[/?]/)[0] || "networks";
    if (!$("page-" + page)) page = "networks";
    document.querySelectorAll("main > section").forEach(function (s) { s.hidden = s.dataset.page !== page; });
    document.querySelectorAll("nav a").forEach(function (a) {
      if (a.dataset.page === page) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    document.title = "archcalc — " + page;
    if (page === "networks") {
      var name = decodeURIComponent(hash.split("/")[1] || "");
      if (name && name !== state.network) openNetwork(name);
    }
    if (page === "build") openBuild(hash);
  }

  /* --- Networks ---------------------------------------------------------------------- */
  function fillCatalogue() {
    var q = $("search").value.trim().toLowerCase();
    var ul = $("catalogue");
    ul.textContent = "";
    state.networks.forEach(function (n) {
      var hay = (n.name + " " + n.description + " " + n.source + " " + n.family).toLowerCase();
      if (q && q.split(/\s+/).some(function (w) { return hay.indexOf(w) < 0; })) return;
      var a = el("a", { href: "#networks/" + encodeURIComponent(n.name) }, [n.name, el("small", { text: n.description })]);
      if (n.name === state.network) a.setAttribute("aria-current", "true");
      ul.appendChild(el("li", {}, [a]));
    });
    if (!ul.children.length) ul.appendChild(el("li", { text: "no network matches" }));
  }

  function option(value, label, selected) {
    var o = el("option", { value: value, text: label === undefined ? value : label });
    if (selected) o.selected = true;
    return o;
  }

  function buildControls() {
    var c = state.choices, f = $("net-controls");
    f.textContent = "";
    function sel(id, label, values, first) {
      var s = el("select", { id: id });
      if (first) s.appendChild(option("", first));
      values.forEach(function (v) { s.appendChild(option(String(v))); });
      f.appendChild(el("label", {}, [label + " ", s]));
    }
    function box(id, label) { f.appendChild(el("label", {}, [el("input", { type: "checkbox", id: id }), " " + label])); }
    f.appendChild(el("span", { id: "opt-inputs", className: "inputs" }, [el("label", {}, ["input ", el("input", { id: "opt-input", size: 11, placeholder: "3x224x224" })])]));
    box("opt-nobias", "weights only (no biases)");
    box("opt-memory", "memory");
    box("opt-rf", "receptive field");
    box("opt-aux", "total the aux heads");
    var rollup = el("select", { id: "opt-rollup" });
    [["", "every layer"], ["by:block", "one row per block"], ["by:stage", "one row per stage"],
     ["depth:2", "stages, then blocks"], ["depth:3", "stages, blocks, layers"]].forEach(function (o) { rollup.appendChild(option(o[0], o[1])); });
    f.appendChild(el("label", {}, ["rows ", rollup]));
    sel("opt-convention", "preset", c.convention, "none");
    sel("opt-units", "units", c.units);
    sel("opt-kilo", "K =", c.kilo);
    sel("opt-dtype", "dtype", c.dtype);
    f.appendChild(el("label", {}, ["batch ", el("input", { id: "opt-batch", type: "number", min: 1, value: 1, size: 5 })]));
    sel("opt-optimizer", "optimizer", c.optimizer);
    var count = el("fieldset", {}, [el("legend", { text: "add to FLOPs" })]);
    c.count.forEach(function (k) { count.appendChild(el("label", {}, [el("input", { type: "checkbox", value: k, className: "opt-count" }), " " + k + " "])); });
    f.appendChild(count);
    var cols = el("input", { id: "opt-columns", size: 28, placeholder: "layer,c,params,macs", list: "column-names" });
    var dl = el("datalist", { id: "column-names" });
    c.columns.forEach(function (k) { dl.appendChild(option(k[0], k[1])); });
    f.appendChild(el("label", {}, ["columns ", cols, dl]));
    f.appendChild(el("fieldset", { id: "opt-sets", hidden: true }, [el("legend", { text: "params (--set)" })]));
    var fmt = $("net-format");
    fmt.textContent = "";
    c.formats.forEach(function (k) { fmt.appendChild(option(k, k === "html-standalone" ? "html (standalone page)" : k, k === "csv")); });
    f.addEventListener("change", refreshNetwork);
    f.addEventListener("input", debounce(refreshNetwork, 400));
    f.addEventListener("submit", function (e) { e.preventDefault(); refreshNetwork(); });
  }

  function netRequest() {
    var sets = {};
    document.querySelectorAll("#opt-sets input").forEach(function (i) {
      if (i.value.trim() !== "" && i.value.trim() !== i.dataset.declared) sets[i.name] = i.value;
    });
    var count = [];
    document.querySelectorAll(".opt-count:checked").forEach(function (i) { count.push(i.value); });
    var options = {
      bias: !$("opt-nobias").checked, memory: $("opt-memory").checked, rf: $("opt-rf").checked,
      aux: $("opt-aux").checked, units: $("opt-units").value, kilo: Number($("opt-kilo").value),
      dtype: $("opt-dtype").value, batch: Number($("opt-batch").value) || 1,
      optimizer: $("opt-optimizer").value, count: count
    };
    if ($("opt-convention").value) options.convention = $("opt-convention").value;
    if ($("opt-columns").value.trim()) options.columns = $("opt-columns").value;
    var rollup = $("opt-rollup").value.split(":");
    if (rollup[0] === "by") options.by = rollup[1];
    if (rollup[0] === "depth") options.depth = Number(rollup[1]);
    return { network: state.network, input: inputValue($("opt-inputs")), set: sets, options: options };
  }

  /* --input's fields in `box`: one (id `one`) for a network of one input; one per input, named
     (data-input), for a network of several, as `--input NAME=CxHxW` takes each. `inputs` is the
     table's answer ([{name, shape}]); the fields are made again only when the names change. */
  function showInputs(box, inputs, one, placeholder) {
    var names = (inputs || []).length > 1 ? inputs.map(function (x) { return x.name; }) : [];
    var have = Array.prototype.map.call(box.querySelectorAll("input[data-input]"), function (i) { return i.dataset.input; });
    if (names.join("\u0000") === have.join("\u0000") && (names.length || !one || $(one))) return;
    box.textContent = "";
    if (!names.length) {
      if (one) box.appendChild(el("label", {}, ["input ", el("input", { id: one, size: 11, placeholder: placeholder })]));
      box.hidden = !one;
      return;
    }
    box.appendChild(el("span", { text: "inputs:" }));
    inputs.forEach(function (x) {
      box.appendChild(el("label", {}, [x.name + " ", el("input", { "data-input": x.name, size: 9, placeholder: x.shape.join("x"), "aria-label": "input " + x.name })]));
    });
    box.hidden = false;
  }

  /* What the fields in `box` say, for a request's `input`: the one field's text, or a list of
     NAME=CxHxW for each named field filled in (the others keep the spec's shapes). */
  function inputValue(box) {
    var named = box.querySelectorAll("input[data-input]"), out = [];
    if (!named.length) { var i = box.querySelector("input"); return i ? i.value : ""; }
    named.forEach(function (i) { if (i.value.trim()) out.push(i.dataset.input + "=" + i.value.trim()); });
    return out;
  }

  function showSets(declared) {
    var box = $("opt-sets");
    var have = {};
    box.querySelectorAll("input").forEach(function (i) { have[i.name] = i; });
    var names = Object.keys(declared || {});
    if (names.join() === Object.keys(have).join()) return;
    box.querySelectorAll("label").forEach(function (l) { l.remove(); });
    names.forEach(function (k) {
      box.appendChild(el("label", {}, [k + " ", el("input", { name: k, value: declared[k], size: 8, "data-declared": declared[k] })]));
    });
    box.hidden = !names.length;
  }

  function openNetwork(name) {
    state.network = name;
    var info = state.networks.filter(function (n) { return n.name === name; })[0];
    state.paper = !!(info && info.paper);
    $("net-intro").hidden = true;
    $("net-view").hidden = false;
    $("net-paper").hidden = !state.paper;
    $("net-paper-view").hidden = true;
    $("paper-actions").hidden = true;
    $("opt-sets").querySelectorAll("label").forEach(function (l) { l.remove(); });
    $("opt-sets").hidden = true;
    fillCatalogue();
    refreshNetwork();
  }

  var netSeq = 0;
  function refreshNetwork() {
    if (!state.network) return;
    var seq = ++netSeq;
    post("table", netRequest()).then(function (r) {
      if (seq !== netSeq) return;
      showError("net-error", null);
      showSets(r.declared);
      showInputs($("opt-inputs"), r.inputs, "opt-input", "3x224x224");
      $("net-note").hidden = !r.note; $("net-note").textContent = r.note || "";
      showTable($("net-table"), r.html, $("net-working"));
      if (!$("net-paper-view").hidden) paperView();
    }, function (e) { if (seq === netSeq) { showError("net-error", e); } });
  }

  function paperView() {
    var pre = $("net-paper-view");
    post("paper", netRequest()).then(function (r) {
      pre.textContent = r.text; pre.hidden = false; $("paper-actions").hidden = false;
    }, function (e) { showError("net-error", e); });
  }

  /* --- Build ------------------------------------------------------------------------- */
  var SAMPLE = [
    '# A spec is data: TOML, no code. Edit it and the table follows.',
    'name = "tiny"',
    'description = "a small CNN for 32×32 images"',
    'source = "written in archcalc serve"',
    'input = [3, 32, 32]                       # C, H, W',
    '',
    'layers = [',
    '  { conv = 32, k = 3, p = 1, name = "conv1" }, "relu",',
    '  { maxpool = 2, s = 2, name = "pool1" },',
    '  { conv = 64, k = 3, p = 1, name = "conv2" }, "relu",',
    '  { maxpool = 2, s = 2, name = "pool2" },',
    '  "flatten", { fc = 10, name = "fc" },',
    ']',
    ''].join("\n");

  function toB64(text) {
    var bytes = new TextEncoder().encode(text), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromB64(b) {
    var s = atob(b.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return new TextDecoder().decode(bytes);
  }

  var built = false;
  function openBuild(hash) {
    var m = /[?&]spec=([A-Za-z0-9_-]*)/.exec(hash);
    if (m) {
      try { $("spec").value = fromB64(m[1]); } catch (e) { showError("build-error", { error: "the link's spec cannot be read" }); }
      built = true; gutter(); refreshBuild();
      return;
    }
    if (!built) { built = true; $("spec").value = SAMPLE; gutter(); refreshBuild(); }
  }

  function gutter(errLine) {
    var n = $("spec").value.split("\n").length, g = $("gutter");
    g.textContent = "";
    for (var i = 1; i <= n; i++) {
      var s = el("span", { text: String(i), id: "gutter-" + i });
      if (i === errLine) { s.className = "err"; s.title = "the error is here"; }
      g.appendChild(s); g.appendChild(document.createTextNode("\n"));
    }
    g.scrollTop = $("spec").scrollTop;
  }

  var buildSeq = 0;
  function refreshBuild() {
    var seq = ++buildSeq;
    var req = { spec: $("spec").value, input: inputValue($("build-inputs")) };
    if (!$("build-variant").hidden && $("build-variant").value) req.variant = $("build-variant").value;
    post("table", req).then(function (r) {
      if (seq !== buildSeq) return;
      showError("build-error", null); gutter();
      showInputs($("build-inputs"), r.inputs, null);
      $("build-error").removeAttribute("data-line");
      var v = $("build-variant"), names = r.variants || [];
      if (names.length > 1 && Array.prototype.map.call(v.options, function (o) { return o.value; }).join() !== names.join()) {
        v.textContent = ""; names.forEach(function (n) { v.appendChild(option(n, n, n === r.network)); });
      }
      v.hidden = $("build-variant-label").hidden = names.length < 2;
      showTable($("build-table"), r.html, $("build-working"));
    }, function (e) {
      if (seq !== buildSeq) return;
      if (req.input.length && /^--input: .* has no input '/.test(e.error || "")) {
        // the spec's inputs were renamed: their fields go, and the spec's own shapes are used
        showInputs($("build-inputs"), [], null); refreshBuild(); return;
      }
      showError("build-error", e);
      if (e.line) $("build-error").setAttribute("data-line", e.line); else $("build-error").removeAttribute("data-line");
      gutter(e.line);
    });
  }

  var KINDS = ["conv", "maxpool", "avgpool", "fc", "relu", "bn", "flatten", "gap", "dropout", "softmax", "lrn"];
  var MAIN = { conv: "filters", fc: "units" };
  var WINDOW = { conv: 1, maxpool: 1, avgpool: 1 };
  function formRow(kind, ch, k, s, p) {
    var kindSel = el("select", { "aria-label": "kind" });
    KINDS.forEach(function (x) { kindSel.appendChild(option(x, x, x === kind)); });
    function num(v, label, min) { return el("input", { type: "number", min: min, value: v, "aria-label": label }); }
    var rm = el("button", { type: "button", text: "×", title: "remove this layer", "aria-label": "remove this layer" });
    var tr = el("tr", {}, [el("td", {}, [kindSel]), el("td", {}, [num(ch, "channels or units", 1)]),
      el("td", {}, [num(k, "K", 1)]), el("td", {}, [num(s, "S", 1)]), el("td", {}, [num(p, "P", 0)]), el("td", {}, [rm])]);
    rm.addEventListener("click", function () { tr.remove(); });
    function sync() {
      var kd = kindSel.value, ins = tr.querySelectorAll("input");
      ins[0].disabled = !MAIN[kd]; ins[1].disabled = ins[2].disabled = ins[3].disabled = !WINDOW[kd];
    }
    kindSel.addEventListener("change", sync); sync();
    $("form-rows").appendChild(tr);
  }

  function writeSpec() {
    var q = function (t) { return '"' + t.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"'; };
    var lines = ["# written by archcalc serve's form", "name = " + q($("form-name").value || "mynet"),
      'description = "a network built with the form"', 'source = "archcalc serve"',
      "input = [" + [$("form-c").value, $("form-h").value, $("form-w").value].map(Number).join(", ") + "]", "", "layers = ["];
    document.querySelectorAll("#form-rows tr").forEach(function (tr) {
      var kd = tr.querySelector("select").value, ins = tr.querySelectorAll("input");
      var v = Array.prototype.map.call(ins, function (i) { return Number(i.value); });
      if (kd === "conv") lines.push("  { conv = " + v[0] + ", k = " + v[1] + ", s = " + v[2] + ", p = " + v[3] + " },");
      else if (kd === "maxpool" || kd === "avgpool") lines.push("  { " + kd + " = " + v[1] + ", s = " + v[2] + ", p = " + v[3] + " },");
      else if (kd === "fc") lines.push("  { fc = " + v[0] + " },");
      else lines.push("  " + q(kd) + ",");
    });
    lines.push("]", "");
    $("spec").value = lines.join("\n");
    gutter(); refreshBuild();
  }

  function calcSpec() {
    var v = function (id) { return Number($(id).value); };
    var kind = $("calc-kind").value;
    var layer = kind === "conv"
      ? "{ conv = " + v("calc-out") + ", k = " + v("calc-k") + ", s = " + v("calc-s") + ", p = " + v("calc-p") + ", dilation = " + v("calc-d") + ", name = \"layer\" }"
      : "{ " + kind + " = " + v("calc-k") + ", s = " + v("calc-s") + ", p = " + v("calc-p") + ", name = \"layer\" }";
    return ['name = "layer"', 'description = "one layer"', 'source = "archcalc serve"',
      "input = [" + v("calc-c") + ", " + v("calc-h") + ", " + v("calc-w") + "]", "layers = [" + layer + "]", ""].join("\n");
  }

  var calcSeq = 0;
  function calc() {
    var seq = ++calcSeq;
    post("table", { spec: calcSpec() }).then(function (r) {
      if (seq !== calcSeq) return;
      var box = el("div"); box.innerHTML = r.html;
      var lines = [];
      ["layer", "h", "w", "c", "params", "macs"].forEach(function (k) {
        var td = box.querySelector('tbody [data-key="' + k + '"]');
        if (td && td.getAttribute("data-working")) lines.push(td.getAttribute("data-working"));
      });
      $("calc-out-text").textContent = lines.join("\n");
    }, function (e) { if (seq === calcSeq) $("calc-out-text").textContent = e.error; });
  }

  /* --- Check ------------------------------------------------------------------------- */
  function fillNetworkSelect(sel, withSpec) {
    sel.textContent = "";
    if (withSpec) sel.appendChild(option("@spec", "the spec in Build"));
    state.networks.forEach(function (n) { sel.appendChild(option(n.name, n.name, n.name === "alexnet")); });
  }

  function target(sel) {
    return sel.value === "@spec" ? { spec: $("spec").value || SAMPLE } : { network: sel.value };
  }

  function checkRequest() {
    var req = target($("check-network"));
    req.input = inputValue($("check-inputs"));
    if ($("check-bias").value) req.bias = $("check-bias").value === "true";
    if ($("check-flops").value) req.flops = $("check-flops").value === "true";
    if ($("check-k").value) req.k = Number($("check-k").value);
    if ($("check-dtype").value) req.dtype = $("check-dtype").value;
    req.by_order = $("check-order").checked;
    return req;
  }

  /* The input fields of a page that picks its network in `sel` (Check, Quiz): one per input of
     the spec in Build where it has several, else one (`one`); the last answer wins. */
  var inputSeq = {};
  function pageInputs(sel, box, one) {
    var seq = inputSeq[one] = (inputSeq[one] || 0) + 1;
    if (sel.value !== "@spec") { showInputs(box, [], one, "as the spec"); return; }
    post("table", { spec: $("spec").value || SAMPLE }).then(function (r) {
      if (seq === inputSeq[one]) showInputs(box, r.inputs, one, "as the spec");
    }, function () { if (seq === inputSeq[one]) showInputs(box, [], one, "as the spec"); });
  }
  function checkInputs() { pageInputs($("check-network"), $("check-inputs"), "check-input"); }
  function quizInputs() { pageInputs($("quiz-network"), $("quiz-inputs"), "quiz-input"); }

  function markCheck() {
    var req = checkRequest();
    req.answers = $("answers").value;
    req.source = $("answers").dataset.source || "pasted table";
    $("check-result").textContent = "";
    post("check", req).then(function (r) { showError("check-error", null); showMarks(r); },
      function (e) { showError("check-error", e); });
  }

  function showMarks(r) {
    var out = $("check-result"), res = r.result, t = r.table;
    var byCell = {};
    res.cells.forEach(function (c) { byCell[c.line + "\u0000" + c.column] = c; });
    var table = el("table", { className: "marked", id: "check-marked" });
    var head = el("tr");
    t.header.forEach(function (h) { head.appendChild(el("th", { scope: "col", text: h })); });
    table.appendChild(el("thead", {}, [head]));
    var body = el("tbody");
    t.rows.forEach(function (row, i) {
      var tr = el("tr");
      row.forEach(function (cell, j) {
        var c = byCell[t.lines[i] + "\u0000" + t.header[j]];
        var td = el("td", { text: cell });
        if (c) {
          td.className = c.verdict;
          td.setAttribute("data-verdict", c.verdict);
          td.title = c.verdict === "wrong" ? "expected " + c.expected + (c.diagnosis ? " — " + c.diagnosis : "") : c.verdict;
        }
        tr.appendChild(td);
      });
      tr.setAttribute("data-row", row[0] || "");
      body.appendChild(tr);
    });
    table.appendChild(body);
    var s = res.score;
    out.appendChild(el("p", { className: "score", id: "check-score", text: "score: " + s.right + "/" + s.marked + " marked cells right (" + s.wrong + " wrong, " + s.missing + " missing)" }));
    out.appendChild(el("p", { text: "convention: " + Object.keys(res.convention.how).map(function (k) { return k + ": " + res.convention.how[k]; }).join("; ") }));
    out.appendChild(el("div", { className: "table-wrap" }, [table]));
    var wrong = res.cells.filter(function (c) { return c.verdict === "wrong"; });
    if (wrong.length) {
      var ul = el("ul", { className: "mistakes" });
      wrong.forEach(function (c) {
        var li = el("li", {}, [el("strong", { text: c.row + " " + c.column }), ": " + JSON.stringify(c.given) + " — expected " + c.expected]);
        if (c.working) li.appendChild(el("span", { className: "how", text: "working: " + c.working }));
        if (c.diagnosis) li.appendChild(el("span", { className: "how", text: "diagnosis: " + c.diagnosis }));
        ul.appendChild(li);
      });
      out.appendChild(el("h3", { text: "Wrong" })); out.appendChild(ul);
    }
    out.appendChild(el("details", {}, [el("summary", { text: "as archcalc check prints it" }), el("pre", { className: "paper", text: r.text })]));
  }

  function readFiles(files) {
    return Promise.all(Array.prototype.map.call(files, function (f) {
      return f.text().then(function (t) { return { name: f.name, text: t }; });
    }));
  }

  function onFiles() {
    var files = $("answers-file").files;
    if (!files.length) return;
    readFiles(files).then(function (subs) {
      if (subs.length === 1) {
        $("answers").value = subs[0].text; $("answers").dataset.source = subs[0].name; markCheck(); return;
      }
      var req = checkRequest(); req.submissions = subs;
      $("check-result").textContent = "";
      post("gradebook", req).then(function (r) { showError("check-error", null); showGradebook(r); },
        function (e) { showError("check-error", e); });
    });
  }

  function showGradebook(r) {
    var out = $("check-result");
    if (r.csv) {
      var b = el("button", { type: "button", text: "Download the gradebook CSV", id: "gradebook-download" });
      b.addEventListener("click", function () { download(r.csv, r.filename || "gradebook.csv", "text/csv"); });
      out.appendChild(b);
    }
    if (r.rows) {
      var tb = el("tbody");
      r.rows.forEach(function (row) {
        // each wrong cell and its diagnosis, as the CSV's "wrong cells" and "diagnoses" give them
        var cells = el("td", { className: "wrong-cells" });
        if (row.error) cells.textContent = "";
        else if (!row.wrong_cells.length) cells.textContent = row.note || "none";
        else {
          var ul = el("ul", { className: "mistakes" });
          row.wrong_cells.forEach(function (c) {
            var li = el("li", { text: c.cell });
            if (c.diagnosis) li.appendChild(el("span", { className: "how", text: "diagnosis: " + c.diagnosis }));
            ul.appendChild(li);
          });
          cells.appendChild(ul);
        }
        tb.appendChild(el("tr", {}, [el("td", { text: row.file }), el("td", { text: row.error ? row.error : row.score.text }), cells]));
      });
      out.appendChild(el("table", { className: "marked", id: "gradebook" }, [el("thead", {}, [el("tr", {}, [el("th", { text: "file" }), el("th", { text: "score" }), el("th", { text: "wrong cells and diagnoses" })])]), tb]));
    }
    if (r.missing) out.appendChild(el("p", { className: "note", text: r.missing }));
  }

  /* --- Quiz -------------------------------------------------------------------------- */
  var quizReq = null;
  function quizRequest() {
    var req = target($("quiz-network"));
    req.input = inputValue($("quiz-inputs"));
    req.seed = Number($("quiz-seed").value) || 0;
    req.fraction = Number($("quiz-fraction").value);
    req.blank = $("quiz-blank").value;
    req.example = Number($("quiz-example").value) || 0;
    req.no_bias = $("quiz-nobias").checked;
    return req;
  }

  function newQuiz() {
    var req = quizRequest();
    $("quiz-score").textContent = "";
    post("quiz", req).then(function (r) {
      showError("quiz-error", null);
      quizReq = req;
      var box = $("quiz-sheet"); box.textContent = "";
      box.appendChild(el("p", { text: r.title }));
      box.appendChild(el("p", { className: "note", text: r.conventions }));
      var table = el("table", { className: "marked quiz", id: "quiz-table" });
      var head = el("tr");
      r.headers.forEach(function (h) { head.appendChild(el("th", { scope: "col", text: h })); });
      table.appendChild(el("thead", {}, [head]));
      var body = el("tbody");
      r.rows.forEach(function (row, i) {
        var tr = el("tr");
        row.forEach(function (cell, j) {
          if (cell === null) {
            tr.appendChild(el("td", { id: "q-" + i + "-" + j }, [el("input", { "data-cell": i + "," + j, "aria-label": row[0] + " " + r.headers[j], inputMode: "numeric", autocomplete: "off" })]));
          } else tr.appendChild(el("td", { text: cell }));
        });
        body.appendChild(tr);
      });
      table.appendChild(body);
      box.appendChild(el("div", { className: "table-wrap" }, [table]));
      $("quiz-mark").hidden = false;
    }, function (e) { showError("quiz-error", e); });
  }

  function markQuiz() {
    if (!quizReq) return;
    var req = JSON.parse(JSON.stringify(quizReq)), answers = {};
    document.querySelectorAll("#quiz-table input[data-cell]").forEach(function (i) { answers[i.dataset.cell] = i.value; });
    req.answers = answers;
    post("quiz/mark", req).then(function (r) {
      showError("quiz-error", null);
      var res = r.result, headers = [];
      document.querySelectorAll("#quiz-table thead th").forEach(function (th) { headers.push(th.textContent); });
      document.querySelectorAll("#quiz-table td .expect").forEach(function (s) { s.remove(); });
      var rows = document.querySelectorAll("#quiz-table tbody tr");
      res.cells.forEach(function (c) {
        rows.forEach(function (tr, i) {
          if (tr.cells[0].textContent !== c.row) return;
          var j = headers.indexOf(c.column), td = $("q-" + i + "-" + j);
          if (!td) return;
          td.className = c.verdict; td.setAttribute("data-verdict", c.verdict);
          if (c.verdict !== "right") td.appendChild(el("span", { className: "expect", text: (c.verdict === "missing" ? "blank: " : "") + (c.working || "expected " + c.expected) + (c.diagnosis ? " — " + c.diagnosis : "") }));
        });
      });
      var s = res.score;
      $("quiz-score").textContent = "score: " + s.right + " of " + (s.marked + s.missing) + " blanks right (" + s.wrong + " wrong, " + s.missing + " left blank)";
    }, function (e) { showError("quiz-error", e); });
  }

  /* --- Compare ----------------------------------------------------------------------- */
  function fillPicks() {
    var box = $("compare-picks"), start = ["alexnet", "vgg16", "googlenet", "resnet50", "densenet121", "inception-v3"];
    state.networks.forEach(function (n) {
      box.appendChild(el("label", {}, [el("input", { type: "checkbox", value: n.name, checked: start.indexOf(n.name) >= 0 }), " " + n.name]));
    });
    state.choices.sort.forEach(function (k) { $("compare-sort").appendChild(option(k)); });
    state.choices.units.forEach(function (k) { $("compare-units").appendChild(option(k)); });
    state.choices.formats.forEach(function (k) {
      if (k !== "html-standalone") $("compare-format").appendChild(option(k, k, k === "csv"));
    });
  }

  function compareRequest() {
    var names = [];
    document.querySelectorAll("#compare-picks input:checked").forEach(function (i) { names.push(i.value); });
    return { networks: names, sort: $("compare-sort").value, reverse: $("compare-reverse").checked, units: $("compare-units").value };
  }

  function runCompare() {
    post("compare", compareRequest()).then(function (r) {
      showError("compare-error", null);
      showTable($("compare-table"), r.html);
      if (r.chart) {
        $("compare-chart").src = r.chart; $("compare-figure").hidden = false;
        $("compare-caption").textContent = "Published top-1 accuracy against MACs; bubble area ∝ parameters" + (r.skipped.length ? ". Without a published top-1, left out: " + r.skipped.join(", ") : ".");
      } else $("compare-figure").hidden = true;
      $("compare-note").hidden = !r.chart_note; $("compare-note").textContent = r.chart_note || "";
    }, function (e) { showError("compare-error", e); });
  }

  /* --- start ------------------------------------------------------------------------- */
  function start() {
    $("search").addEventListener("input", fillCatalogue);
    $("net-download").addEventListener("click", function () {
      var req = netRequest(); req.format = $("net-format").value;
      post("render", req).then(function (r) { download(r.text, r.filename); }, function (e) { showError("net-error", e); });
    });
    $("net-paper").addEventListener("click", paperView);
    $("paper-download").addEventListener("click", function () {
      var req = netRequest(); req.format = $("paper-format").value; req.layout = "paper";
      post("render", req).then(function (r) { download(r.text, r.filename); }, function (e) { showError("net-error", e); });
    });
    $("spec").addEventListener("input", debounce(function () { refreshBuild(); }, 300));
    $("spec").addEventListener("input", function () { gutter(); });
    $("spec").addEventListener("scroll", function () { $("gutter").scrollTop = $("spec").scrollTop; });
    $("build-variant").addEventListener("change", refreshBuild);
    $("build-share").addEventListener("click", function () {
      var link = location.origin + location.pathname + "#build?spec=" + toB64($("spec").value);
      history.replaceState(null, "", link);
      $("build-link").hidden = false; $("build-link").value = link; $("build-link").select();
    });
    $("build-download").addEventListener("click", function () { download($("spec").value, "spec.toml", "application/toml"); });
    $("build-check").addEventListener("click", function () { $("check-network").value = "@spec"; checkInputs(); location.hash = "#check"; });
    $("build-inputs").addEventListener("input", debounce(function () { refreshBuild(); }, 300));
    $("check-network").addEventListener("change", checkInputs);
    $("quiz-network").addEventListener("change", quizInputs);
    $("form-add").addEventListener("click", function () { formRow("conv", 16, 3, 1, 1); });
    $("form-write").addEventListener("click", writeSpec);
    [["conv", 16, 3, 1, 1], ["relu", 1, 1, 1, 0], ["maxpool", 1, 2, 2, 0], ["flatten", 1, 1, 1, 0], ["fc", 10, 1, 1, 0]]
      .forEach(function (r) { formRow.apply(null, r); });
    $("calc").addEventListener("input", debounce(calc, 250));
    $("calc-box").addEventListener("toggle", calc);
    $("check-go").addEventListener("click", markCheck);
    $("answers").addEventListener("input", function () { delete $("answers").dataset.source; });
    $("answers-file").addEventListener("change", onFiles);
    $("quiz-new").addEventListener("click", newQuiz);
    $("quiz-mark").addEventListener("click", markQuiz);
    $("compare-go").addEventListener("click", runCompare);
    $("compare-download").addEventListener("click", function () {
      var req = compareRequest(); req.format = $("compare-format").value;
      post("compare/render", req).then(function (r) { download(r.text, r.filename); }, function (e) { showError("compare-error", e); });
    });
    post("catalogue").then(function (r) {
      state.networks = r.networks; state.choices = r.choices;
      buildControls(); fillCatalogue();
      r.choices.paper_formats.forEach(function (k) { $("paper-format").appendChild(option(k)); });
      fillNetworkSelect($("check-network"), true); fillNetworkSelect($("quiz-network"), true);
      r.choices.dtype.forEach(function (k) { $("check-dtype").appendChild(option(k)); });
      fillPicks();
      window.addEventListener("hashchange", route);
      route();
      document.body.setAttribute("data-ready", "1");
    }, function (e) { showError("net-error", e); });
  }
  start();
})();
