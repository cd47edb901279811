// The convutils stepper: one front end for the HTML book and the live Jupyter widget.
//
// An anywidget module: `export default { render({ model, el }) }`. In a live kernel the
// model is the widget's (traits X, K, bias, padding, stride, granularity, step, name,
// example); in the book a small object with the same get/set/on/save_changes methods
// (`staticModel`) carries the state the page embeds. The named exports are the pure
// computation, which the tests run in Node against Python's convutils.trace.trace_steps:
// every number, sum and sentence must come out identical.

export const MAX_PRODUCTS = 3000;
export const GRANULARITIES = ["element", "channel", "product"];
const GRANULARITY_LABELS = { element: "per element", channel: "per channel", product: "per product" };
const FN = "stepper";

// ---------------------------------------------------------------------------------------
// Numbers: the format convutils.trace.number_text uses, step by step the same operations.

const POW10 = {};
for (let e = -13; e <= 15; e++) { POW10[e] = Number("1e" + e); }

export function numberText(v) {
  if (Number.isNaN(v)) { return "nan"; }
  if (v === Infinity) { return "inf"; }
  if (v === -Infinity) { return "-inf"; }
  if (Number.isInteger(v)) { return BigInt(v).toString(); }
  const a = Math.abs(v);
  let e = 0;
  if (a >= 1) {
    while (e < 15 && a >= POW10[e + 1]) { e += 1; }
  } else {
    while (e > -13 && a < POW10[e]) { e -= 1; }
  }
  const d = Math.min(Math.max(3 - e, 0), 12);
  const r = Math.floor(a * POW10[d] + 0.5);
  if (r === 0) { return "0"; }
  let digits = BigInt(r).toString();
  if (d > 0) {
    digits = digits.padStart(d + 1, "0");
    digits = (digits.slice(0, -d) + "." + digits.slice(-d)).replace(/0+$/, "").replace(/\.$/, "");
  }
  return (v < 0 ? "-" : "") + digits;
}

export function fmt(v) {
  const text = numberText(v);
  return text.startsWith("-") ? "(" + text + ")" : text;
}

// ---------------------------------------------------------------------------------------
// Shapes and checks, worded as convutils words them (convutils/checks.py, trace.py).

export class StepperError extends Error {}

function fail(message) { throw new StepperError(message); }

// A shape as Python prints a tuple: (2, 3, 3), (3,), ().
export function shapeText(shape) {
  if (shape.length === 1) { return "(" + shape[0] + ",)"; }
  return "(" + shape.join(", ") + ")";
}

function pairText(value) {
  return Array.isArray(value) ? "(" + value.join(", ") + ")" : String(value);
}

const RAGGED = ": the rows or channels have different lengths; every row of a matrix needs " +
  "the same number of values";

// The shape of nested arrays of numbers; StepperError for ragged nesting or non-numbers.
function shapeOf(name, value) {
  if (!Array.isArray(value)) {
    if (typeof value !== "number") { fail(name + ": every entry must be a number (int or float)"); }
    return [];
  }
  if (value.length === 0) { return [0]; }
  const first = shapeOf(name, value[0]);
  for (let i = 1; i < value.length; i++) {
    const other = shapeOf(name, value[i]);
    if (other.length !== first.length || other.some((n, k) => n !== first[k])) {
      fail(name + RAGGED);
    }
  }
  return [value.length, ...first];
}

// Nested arrays with `ndims` levels (one of them); returns the shape.
export function checkNested(name, value, ndims) {
  const shape = shapeOf(name, value);
  if (!ndims.includes(shape.length)) {
    fail(name + ": expected " + ndims.join(" or ") + " levels of nesting, got " + shape.length +
      " (shape " + shapeText(shape) + ")");
  }
  return shape;
}

function asPair(name, value, minimum) {
  const items = Array.isArray(value) ? value : [value, value];
  if (items.length !== 2 || !items.every((v) => Number.isInteger(v))) {
    fail(FN + ": " + name + " must be an int or an (h, w) pair of ints, got " + pairText(value));
  }
  if (items[0] < minimum || items[1] < minimum) {
    fail(FN + ": " + name + " must be " + (minimum === 0 ? "non-negative" : "positive") +
      ", got " + pairText(value));
  }
  return [items[0], items[1]];
}

// Every check the stepper makes, in convutils' order; returns the shapes and sizes.
export function checkState(state) {
  const g = state.granularity;
  if (!GRANULARITIES.includes(g)) {
    fail(FN + ": granularity must be one of 'element', 'channel', 'product', got '" + g + "'");
  }
  const xShape = checkNested("X", state.X, [3]);
  const kShape = checkNested("K", state.K, [3, 4]);
  const bias = state.bias === undefined ? null : state.bias;
  const bShape = bias === null ? null : checkNested("bias", bias, [1]);
  const kDims = kShape.length === 3 ? "(c_i, k_h, k_w)" : "(c_o, c_i, k_h, k_w)";
  for (const [name, shape, dims] of [["X", xShape, "(c_i, h, w)"], ["K", kShape, kDims]]) {
    if (shape.includes(0)) {
      fail(FN + ": " + name + " has a zero-sized dimension (shape " + shapeText(shape) +
        " for " + dims + "); every axis needs at least one element");
    }
  }
  const cI = kShape[kShape.length - 3];
  if (xShape[0] !== cI) {
    fail(FN + ": X has " + xShape[0] + " input channels (shape " + shapeText(xShape) +
      ") but K has " + cI + " (shape " + shapeText(kShape) + "); K's c_i axis must match X's");
  }
  const pad = asPair("padding", state.padding, 0);
  const st = asPair("stride", state.stride, 1);
  const h = xShape[1] + 2 * pad[0], w = xShape[2] + 2 * pad[1];
  const kH = kShape[kShape.length - 2], kW = kShape[kShape.length - 1];
  if (kH > h || kW > w) {
    fail(FN + ": kernel K " + shapeText(kShape) + " has a " + kH + "x" + kW + " window, larger " +
      "than the " + h + "x" + w + " padded input (X " + shapeText(xShape) + ", padding " +
      pairText(pad) + ")");
  }
  const cO = kShape.length === 4 ? kShape[0] : 1;
  if (bShape !== null) {
    if (bShape[0] === 0) {
      fail(FN + ": bias has a zero-sized dimension (shape (0,) for (c_o)); every axis needs " +
        "at least one element");
    }
    const k4 = kShape.length === 4 ? kShape : [1, ...kShape];
    if (bShape[0] !== cO) {
      fail(FN + ": bias has shape " + shapeText(bShape) + " but K " + shapeText(k4) + " has " +
        cO + " output channels; a layer has one bias per output channel, so bias must have " +
        "shape (" + cO + ",)");
    }
  }
  const hO = Math.floor((h - kH) / st[0]) + 1, wO = Math.floor((w - kW) / st[1]) + 1;
  const products = cO * hO * wO * xShape[0] * kH * kW;
  if (products > MAX_PRODUCTS) {
    fail(FN + ": X " + shapeText(xShape) + " and K " + shapeText(kShape) + " give " + products +
      " products; the stepper shows at most " + MAX_PRODUCTS + ": use smaller arrays");
  }
  return { xShape, kShape, pad, st, cI, cO, kH, kW, hO, wO, products, multiOut: kShape.length === 4 };
}

// ---------------------------------------------------------------------------------------
// Reading what the reader types.

const COULD_NOT_READ = ": could not read the text as nested lists of numbers, for example " +
  "[[[0, 1], [2, 3]]]";
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseArray(name, text, ndims) {
  const tokens = text.match(/\[|\]|\(|\)|,|"[^"]*"|'[^']*'|[^\s[\](),]+/g) || [];
  let at = 0;
  function value() {
    const t = tokens[at++];
    if (t === undefined) { fail(name + COULD_NOT_READ); }
    if (t === "[" || t === "(") {
      const close = t === "[" ? "]" : ")";
      const items = [];
      while (tokens[at] !== close) {
        items.push(value());
        if (tokens[at] === ",") { at += 1; } else if (tokens[at] !== close) { fail(name + COULD_NOT_READ); }
      }
      at += 1;
      return items;
    }
    if (t[0] === "\"" || t[0] === "'") { fail(name + ": every entry must be a number (int or float)"); }
    if (!NUMBER.test(t)) { fail(name + COULD_NOT_READ); }
    return Number(t);
  }
  const result = value();
  if (at !== tokens.length) { fail(name + COULD_NOT_READ); }
  checkNested(name, result, ndims);
  return result;
}

export function parsePair(name, text) {
  const parts = text.replace(/[()[\]]/g, "").split(",").map((p) => p.trim());
  const bad = name + ": type an integer or two separated by a comma";
  if (parts.length > 2 || !parts.every((p) => /^[+-]?\d+$/.test(p))) { fail(bad); }
  const values = parts.map((p) => parseInt(p, 10));
  return values.length === 1 ? values[0] : values;
}

// The text a reader edits: one matrix row per line.
export function nestedText(a, indent = "") {
  if (!Array.isArray(a[0])) { return "[" + a.map(numberText).join(", ") + "]"; }
  const inner = a.map((b) => nestedText(b, indent + " "));
  const sep = Array.isArray(a[0][0]) ? ",\n\n" + indent + " " : ",\n" + indent + " ";
  return "[" + inner.join(sep) + "]";
}

// ---------------------------------------------------------------------------------------
// The trace: convutils.trace.trace_steps, the same loops in the same order.

export function traceSteps(state) {
  const c = checkState(state);
  const X = state.X, K = c.multiOut ? state.K : [state.K];
  const bias = state.bias === undefined || state.bias === null ? null : state.bias;
  const g = state.granularity;
  const [pH, pW] = c.pad, [sH, sW] = c.st;
  const h = c.xShape[1], w = c.xShape[2];
  const steps = [];
  const output = [];
  for (let o = 0; o < c.cO; o++) {
    const plane = [];
    for (let i = 0; i < c.hO; i++) {
      const row = [];
      for (let j = 0; j < c.wO; j++) {
        const label = c.multiOut ? "Y[" + o + "," + i + "," + j + "]" : "Y[" + i + "," + j + "]";
        const rows = [], cols = [];
        for (let a = 0; a < c.kH; a++) { rows.push(i * sH - pH + a); }
        for (let b = 0; b < c.kW; b++) { cols.push(j * sW - pW + b); }
        const byChannel = [];
        for (let ch = 0; ch < c.cI; ch++) {
          const group = [];
          for (let a = 0; a < c.kH; a++) {
            for (let b = 0; b < c.kW; b++) {
              const r = rows[a], s = cols[b];
              const inside = r >= 0 && r < h && s >= 0 && s < w;
              const x = inside ? X[ch][r][s] : 0;
              const k = K[o][ch][a][b];
              group.push({ channel: ch, row: r, col: s, k_row: a, k_col: b, x, k, value: x * k,
                padded: !inside });
            }
          }
          byChannel.push(group);
        }
        let chunks;
        if (g === "element") {
          chunks = [[byChannel.map((_, ch) => ch), byChannel.flat()]];
        } else if (g === "channel") {
          chunks = byChannel.map((group, ch) => [[ch], group]);
        } else {
          chunks = byChannel.flat().map((p) => [[p.channel], [p]]);
        }
        const b = bias === null ? null : bias[o];
        const last = b === null || g === "element" ? chunks.length - 1 : chunks.length;
        let total = 0;
        const soFar = new Array(c.cI).fill(0);
        const push = (channels, products, sums, part, finishes, bias) => steps.push({
          index: steps.length, out_channel: o, out_row: i, out_col: j, output_label: label,
          channels, rows, cols, products, channel_sums: sums, partial_sum: part,
          running_total: total, finishes_element: finishes, granularity: g, bias });
        chunks.forEach(([chans, prods], n) => {
          for (const p of prods) { soFar[p.channel] += p.value; }
          let part = 0;
          for (const p of prods) { part += p.value; }
          total += part;
          if (g === "element" && b !== null) { total += b; }
          push(chans, prods, chans.map((ch) => soFar[ch]), part, n === last, g === "element" ? b : null);
        });
        if (b !== null && g !== "element") {
          total += b;
          push([], [], [], b, true, b);
        }
        row.push(total);
      }
      plane.push(row);
    }
    output.push(plane);
  }
  return { steps, output, check: c, granularity: g, bias };
}

export function productsText(step) {
  const groups = step.channels.map((ch) => step.products.filter((p) => p.channel === ch));
  const texts = groups.map((grp) => grp.map((p) => fmt(p.x) + "×" + fmt(p.k)).join(" + "));
  if (texts.length === 1 || step.products.length === step.channels.length) {
    return texts.join(" + ");
  }
  return texts.map((t) => "(" + t + ")").join(" + ");
}

export function narration(step) {
  const y = step.output_label;
  const total = fmt(step.running_total);
  if (step.channels.length === 0) { return y + " += bias " + fmt(step.partial_sum) + " → " + total; }
  if (step.granularity === "element") {
    const terms = step.channel_sums.map(fmt);
    const hasBias = step.bias !== null && step.bias !== undefined;
    const bias = hasBias ? " + " + fmt(step.bias) : "";
    if (hasBias) { terms.push(fmt(step.bias)); }
    if (step.channel_sums.length === 1 || step.products.length === step.channels.length) {
      return y + " = " + productsText(step) + bias + " = " + total;
    }
    return y + " = " + productsText(step) + bias + " = " + terms.join(" + ") + " = " + total;
  }
  const text = y + " += channel " + step.channels[0] + ": " + productsText(step) + " = " +
    fmt(step.partial_sum);
  return text + " → " + total;
}

// ---------------------------------------------------------------------------------------
// A model for the book's pages, where no kernel runs: the same calls as a widget model.

export function staticModel(state) {
  const data = Object.assign({}, state);
  const handlers = {};
  return {
    get: (key) => data[key],
    set(key, value) {
      data[key] = value;
      for (const f of (handlers["change:" + key] || []).slice()) { f(); }
    },
    on(event, f) { (handlers[event] = handlers[event] || []).push(f); },
    off(event, f) {
      if (!event) { for (const k of Object.keys(handlers)) { delete handlers[k]; } return; }
      handlers[event] = (handlers[event] || []).filter((h) => h !== f && f !== undefined);
    },
    save_changes() {},
  };
}

// ---------------------------------------------------------------------------------------
// The view.

const DATA_KEYS = ["X", "K", "bias", "padding", "stride", "granularity"];
const KEYS_HELP = [
  ["Left / Right arrow", "previous or next step (click the stepper first)"],
  ["Home / End", "first or last step"],
  ["Space", "play or pause"],
  ["Tab", "move between the buttons, the grids and the text boxes"],
  ["Arrows inside a grid", "move between its cells"],
  ["Enter on a cell", "show which outputs read it (an X cell) or what it reads (a Y cell)"],
  ["Esc", "clear that, then leave the large view"],
];

function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) { continue; }
    if (k === "class") { e.className = v; } else if (k === "text") { e.textContent = v; } else { e.setAttribute(k, v === true ? "" : v); }
  }
  for (const c of children) { if (c !== null && c !== undefined) { e.append(c); } }
  return e;
}

function sameData(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
// Two steps of the same output element.
function same(a, b) {
  return a.out_channel === b.out_channel && a.out_row === b.out_row && a.out_col === b.out_col;
}

function render({ model, el }) {
  const isPage = model.get("host") === "page";
  const name = model.get("name") || "";
  const cleanups = [];
  const listen = (target, ev, f, opts) => {
    target.addEventListener(ev, f, opts);
    cleanups.push(() => target.removeEventListener(ev, f, opts));
  };

  // ---- skeleton ----
  const root = h("div", { class: "cvs", role: "group", tabindex: "0",
    "aria-label": "Stepper" + (name ? " " + name : "") + ": the correlation step by step" });
  if (isPage && name) { root.id = name; }
  const btn = (label, extra) => h("button", Object.assign({ type: "button", class: "cvs-btn" }, extra || {}), label);
  const prevBtn = btn("Previous step");
  const playBtn = btn("Play", { "aria-pressed": "false" });
  const nextBtn = btn("Next step");
  const slider = h("input", { type: "range", min: "1", max: "1", value: "1", class: "cvs-range", "aria-label": "Step" });
  const count = h("span", { class: "cvs-count" });
  const select = h("select", { class: "cvs-sel" });
  for (const g of GRANULARITIES) { select.append(h("option", { value: g, text: GRANULARITY_LABELS[g] })); }
  const granLabel = h("label", { class: "cvs-field" }, "Granularity ", select);
  const predictBtn = btn("Predict", { "aria-pressed": "false" });
  const resetBtn = btn("Reset");
  const largeBtn = btn("Large view", { "aria-pressed": "false" });
  const fullBtn = btn("Full screen", { "aria-pressed": "false" });
  if (!root.requestFullscreen) { fullBtn.hidden = true; }
  const bar = h("div", { class: "cvs-bar" }, prevBtn, playBtn, nextBtn, slider, count, granLabel,
    predictBtn, resetBtn, largeBtn, fullBtn);

  const narr = h("p", { class: "cvs-narr", "aria-live": "polite" });
  const breakdown = h("div", { class: "cvs-break" });
  const guessInput = h("input", { type: "text", inputmode: "decimal", class: "cvs-guess", autocomplete: "off" });
  const guessLabel = h("label", { class: "cvs-field" }, h("span", { class: "cvs-guess-q" }), " ", guessInput);
  const checkBtn = btn("Check");
  const revealBtn = btn("Reveal");
  const predictMsg = h("p", { class: "cvs-pmsg", "aria-live": "polite" });
  const score = h("p", { class: "cvs-score" });
  const predictBox = h("div", { class: "cvs-predict", hidden: true },
    h("div", { class: "cvs-bar" }, guessLabel, checkBtn, revealBtn), predictMsg, score);

  const figX = h("div", { class: "cvs-part cvs-part-x" });
  const figK = h("div", { class: "cvs-part cvs-part-k" });
  const figY = h("div", { class: "cvs-part cvs-part-y" });
  const fig = h("div", { class: "cvs-fig" }, figX, figK, figY);
  const lookup = h("p", { class: "cvs-look", "aria-live": "polite" });

  const area = (label) => h("textarea", { class: "cvs-area", rows: "6", spellcheck: "false", "aria-label": label });
  const xText = area("X"), kText = area("K");
  const line = (label) => h("input", { type: "text", class: "cvs-line", spellcheck: "false", "aria-label": label });
  const biasText = line("bias"), padText = line("padding"), strideText = line("stride");
  const applyBtn = btn("Apply");
  const error = h("p", { class: "cvs-err", role: "alert" });
  const edit = h("details", { class: "cvs-edit" },
    h("summary", { text: "Your own numbers: edit X, K, bias, padding, stride" }),
    h("p", { class: "cvs-hint", text: "Nested lists of numbers, as in Python. A box applies " +
      "when you leave it (or press Apply); bias may stay empty (no bias), padding and stride " +
      "take one integer or two separated by a comma." }),
    h("div", { class: "cvs-edit-grid" },
      h("label", { class: "cvs-field cvs-col" }, h("span", { text: "X (c_i, h, w)", "aria-hidden": "true" }), xText),
      h("label", { class: "cvs-field cvs-col" }, h("span", { text: "K (c_o, c_i, k_h, k_w) or (c_i, k_h, k_w)", "aria-hidden": "true" }), kText)),
    h("div", { class: "cvs-bar" },
      h("label", { class: "cvs-field" }, h("span", { text: "bias", "aria-hidden": "true" }), biasText),
      h("label", { class: "cvs-field" }, h("span", { text: "padding", "aria-hidden": "true" }), padText),
      h("label", { class: "cvs-field" }, h("span", { text: "stride", "aria-hidden": "true" }), strideText),
      applyBtn));

  const keyList = h("dl", { class: "cvs-keylist" });
  for (const [k, v] of KEYS_HELP) { keyList.append(h("dt", { text: k }), h("dd", { text: v })); }
  const keys = h("details", { class: "cvs-keys" }, h("summary", { text: "Keys" }), keyList);
  if (isPage) {
    keys.append(h("p", {}, h("a", { href: "using_this_book.html#stepper-keys", text: "All keys, in Using this book" })));
  }
  const link = h("a", { class: "cvs-link", href: "#" }, "Link to this step");
  const foot = h("div", { class: "cvs-foot" }, keys, isPage && name ? link : null);

  root.append(bar, narr, breakdown, predictBox, error, fig, lookup, edit, foot);
  el.append(root);

  // ---- state ----
  let data = null;      // the last valid data (DATA_KEYS)
  let trace = null;     // traceSteps(data)
  let n = 0;            // index of the step on show (0-based; the model's step is n + 1)
  let timer = null;
  let cells = null;     // {x: Map key -> td, k: Map, y: [td by flat index]}
  let marked = [];      // cells with step classes
  let hits = [];        // cells lit by the reverse lookup
  let predict = null;   // {pending, right, done, tries} while predict mode is on
  let userMoved = false;

  function readData() {
    const d = {};
    for (const k of DATA_KEYS) { d[k] = model.get(k); }
    if (d.bias === undefined) { d.bias = null; }
    return d;
  }

  // ---- drawing the matrices (once per data) ----
  function table(label, rowsN, colsN, make, interactive) {
    const t = h("table", { class: "cvs-m", role: interactive ? "grid" : "table", "aria-label": label });
    let first = true;
    for (let a = 0; a < rowsN; a++) {
      const tr = h("tr", { role: "row" });
      for (let b = 0; b < colsN; b++) {
        const td = make(a, b);
        td.setAttribute("role", interactive ? "gridcell" : "cell");
        if (interactive && td.dataset.look) { td.tabIndex = first ? 0 : -1; first = false; }
        tr.append(td);
      }
      t.append(tr);
    }
    return h("div", { class: "cvs-mat" }, h("div", { class: "cvs-title", text: label, "aria-hidden": "true" }), t);
  }

  function build() {
    const c = trace.check;
    const X = data.X, K = c.multiOut ? data.K : [data.K];
    const [pH, pW] = c.pad;
    const h0 = c.xShape[1], w0 = c.xShape[2];
    cells = { x: new Map(), k: new Map(), y: [] };
    figX.replaceChildren(h("div", { class: "cvs-part-title", text: "Input X " + shapeText(c.xShape) + (pH || pW ? ", padding " + pairText(c.pad) + " (dashed zeros)" : "") }));
    const xRow = h("div", { class: "cvs-mats" });
    for (let ch = 0; ch < c.cI; ch++) {
      xRow.append(table("X[" + ch + "]", h0 + 2 * pH, w0 + 2 * pW, (a, b) => {
        const r = a - pH, s = b - pW;
        const inside = r >= 0 && r < h0 && s >= 0 && s < w0;
        const td = h("td", { class: inside ? "cvs-c cvs-x" : "cvs-c cvs-pad", text: inside ? numberText(X[ch][r][s]) : "0" });
        if (inside) { td.dataset.look = "x," + ch + "," + r + "," + s; }
        cells.x.set(ch + "," + r + "," + s, td);
        return td;
      }, true));
    }
    figX.append(xRow);
    figK.replaceChildren(h("div", { class: "cvs-part-title", text: "Kernels K " + shapeText(c.kShape) }));
    const kRow = h("div", { class: "cvs-mats" });
    for (let o = 0; o < c.cO; o++) {
      const group = h("div", { class: "cvs-kgroup" });
      for (let ch = 0; ch < c.cI; ch++) {
        const label = c.multiOut ? "K[" + o + "," + ch + "]" : "K[" + ch + "]";
        group.append(table(label, c.kH, c.kW, (a, b) => {
          const td = h("td", { class: "cvs-c cvs-k", text: numberText(K[o][ch][a][b]) });
          cells.k.set(o + "," + ch + "," + a + "," + b, td);
          return td;
        }, false));
      }
      if (trace.bias !== null) {
        group.append(h("div", { class: "cvs-mat cvs-bias" }, h("div", { class: "cvs-title", text: "bias" }), h("div", { class: "cvs-c cvs-k cvs-bias-v", text: "b[" + o + "] = " + numberText(trace.bias[o]) })));
      }
      kRow.append(group);
    }
    figK.append(kRow);
    const yShape = c.multiOut ? [c.cO, c.hO, c.wO] : [c.hO, c.wO];
    figY.replaceChildren(h("div", { class: "cvs-part-title", text: "Output Y " + shapeText(yShape) }));
    const yRow = h("div", { class: "cvs-mats" });
    for (let o = 0; o < c.cO; o++) {
      yRow.append(table(c.multiOut ? "Y[" + o + "]" : "Y", c.hO, c.wO, (i, j) => {
        const td = h("td", { class: "cvs-c cvs-y" });
        td.dataset.look = "y," + o + "," + i + "," + j;
        cells.y.push(td);
        return td;
      }, true));
    }
    figY.append(yRow);
    marked = [];
    hits = [];
    lookup.textContent = "";
    if (root.classList.contains("cvs-wide")) { requestAnimationFrame(fit); }
  }

  // ---- one step on screen ----
  function yLabel(o, i, j) { return trace.check.multiOut ? "Y[" + o + "," + i + "," + j + "]" : "Y[" + i + "," + j + "]"; }

  function show(index) {
    const steps = trace.steps;
    n = Math.max(0, Math.min(steps.length - 1, index));
    const s = steps[n];
    const c = trace.check;
    for (const [td, cls] of marked) { td.classList.remove(cls); }
    marked = [];
    const mark = (td, cls) => { if (td) { td.classList.add(cls); marked.push([td, cls]); } };
    const read = new Set(s.products.map((p) => p.channel + "," + p.row + "," + p.col));
    const windowChannels = s.channels.length ? s.channels : [];
    for (const ch of windowChannels) {
      s.rows.forEach((r, a) => s.cols.forEach((col, b) => {
        const isRead = read.has(ch + "," + r + "," + col);
        mark(cells.x.get(ch + "," + r + "," + col), isRead ? "cvs-read" : "cvs-win");
        mark(cells.k.get(s.out_channel + "," + ch + "," + a + "," + b), isRead ? "cvs-read" : "cvs-win");
      }));
    }
    // Output elements before the current one are finished, the ones after it not reached.
    const flat = (s.out_channel * c.hO + s.out_row) * c.wO + s.out_col;
    const pending = predict && predict.pending;
    cells.y.forEach((td, e) => {
      const o = Math.floor(e / (c.hO * c.wO)), i = Math.floor(e / c.wO) % c.hO, j = e % c.wO;
      let text = "", state = "cvs-todo";
      if (e < flat) { text = numberText(trace.output[o][i][j]); state = "cvs-done"; }
      if (e === flat) {
        state = "cvs-now";
        const before = n > 0 && same(steps[n - 1], s);
        text = pending ? (before ? numberText(steps[n - 1].running_total) + " + ?" : "?") : numberText(s.running_total);
      }
      if (td.textContent !== text) { td.textContent = text; }
      if (!td.classList.contains(state)) {
        td.classList.remove("cvs-todo", "cvs-done", "cvs-now");
        td.classList.add(state);
      }
      const label = yLabel(o, i, j) + ": " + (text || "not computed yet");
      if (td.getAttribute("aria-label") !== label) { td.setAttribute("aria-label", label); }
    });
    count.textContent = "Step " + (n + 1) + " of " + steps.length;
    slider.max = String(steps.length);
    slider.value = String(n + 1);
    narr.textContent = pending ? promptText(s) : narration(s);
    drawBreakdown(s, flat, pending);
    if (predict) { drawPredict(s); }
  }

  function promptText(s) {
    const what = s.channels.length === 0 ? "adding the bias" :
      s.granularity === "element" ? "adding up every channel" :
        s.granularity === "channel" ? "adding channel " + s.channels[0] :
          "adding X[" + s.products[0].channel + "," + s.products[0].row + "," + s.products[0].col + "] × its weight";
    return "Predict: what is " + s.output_label + " after " + what + "? Type it below.";
  }

  // Each input channel's partial sum for the element being written, with a small bar.
  function drawBreakdown(s, flat, pending) {
    const steps = trace.steps;
    const c = trace.check;
    let first = n;
    while (first > 0 && same(steps[first - 1], s)) { first -= 1; }
    let last = n;
    while (last < steps.length - 1 && !steps[last].finishes_element) { last += 1; }
    const finalSums = new Array(c.cI).fill(0);
    const nowSums = new Array(c.cI).fill(null);
    for (let m = first; m <= last; m++) {
      const st = steps[m];
      st.channels.forEach((ch, q) => {
        finalSums[ch] = st.channel_sums[q];
        if (m <= n && !(pending && m === n)) { nowSums[ch] = st.channel_sums[q]; }
      });
    }
    const b = trace.bias === null ? null : trace.bias[s.out_channel];
    // With a bias, "element" adds it in its one step; the other granularities in the last.
    const biasShown = b !== null && !pending && (s.granularity === "element" || n === last);
    const scale = Math.max(1e-300, ...finalSums.map(Math.abs), b === null ? 0 : Math.abs(b),
      Math.abs(steps[last].running_total));
    const rows = [];
    const row = (label, value, full) => {
      const shown = value === null ? "…" : numberText(value);
      const width = value === null ? 0 : Math.round(100 * Math.abs(value) / scale);
      const bar = h("span", { class: "cvs-bar-track", "aria-hidden": "true" },
        h("span", { class: "cvs-bar-fill" + (value !== null && value < 0 ? " cvs-neg" : ""), style: "width:" + width + "%" }));
      return h("li", { class: full ? "cvs-sum" : "" }, h("span", { class: "cvs-b-label", text: label }), bar, h("span", { class: "cvs-b-val", text: shown }));
    };
    for (let ch = 0; ch < c.cI; ch++) { rows.push(row("channel " + ch, nowSums[ch], false)); }
    if (b !== null) { rows.push(row("bias", biasShown ? b : null, false)); }
    const total = pending ? null : s.running_total;
    const totalRow = row("sum", total, true);
    rows.push(totalRow);
    breakdown.replaceChildren(h("p", { class: "cvs-b-title", text: yLabel(s.out_channel, s.out_row, s.out_col) + " by input channel" + (last === n && !pending ? " (finished)" : " (so far)") + ":" }), h("ul", { class: "cvs-b-list" }, ...rows));
  }

  // ---- model sync ----
  function setStep(index, fromUser) {
    const clamped = Math.max(0, Math.min(trace.steps.length - 1, index));
    if (fromUser) { userMoved = true; }
    show(clamped);
    if (model.get("step") !== clamped + 1) {
      model.set("step", clamped + 1);
      model.save_changes();
    }
    if (fromUser) { updateLink(); }
  }

  function updateLink() {
    if (!(isPage && name)) { return; }
    const hash = "#" + name + "/step-" + (n + 1);
    link.setAttribute("href", hash);
    if (userMoved && window.history && window.history.replaceState && location.hash !== hash) {
      try { window.history.replaceState(window.history.state, "", hash); } catch (e) { /* file:// in some browsers */ }
    }
  }

  function fillEditors() {
    xText.value = nestedText(data.X);
    kText.value = nestedText(data.K);
    biasText.value = data.bias === null ? "" : data.bias.map(numberText).join(", ");
    padText.value = Array.isArray(data.padding) ? data.padding.join(", ") : String(data.padding);
    strideText.value = Array.isArray(data.stride) ? data.stride.join(", ") : String(data.stride);
    select.value = data.granularity;
    for (const f of [xText, kText, biasText, padText, strideText]) { f.removeAttribute("aria-invalid"); }
  }

  // Take the model's data if it is valid (it always is when Python set it: the widget
  // checks with the same rules); otherwise say why and keep what is on screen.
  function syncFromModel() {
    const next = readData();
    if (data === null || !sameData(next, data)) {
      let t;
      try { t = traceSteps(next); } catch (err) { showError(err); return; }
      data = next;
      trace = t;
      build();
      fillEditors();
      clearError();
      if (predict) { startPredict(); }
    }
    const want = (model.get("step") || 1) - 1;
    show(Math.max(0, Math.min(trace.steps.length - 1, want)));
    updateLink();
  }

  let queued = false;
  function queueSync() {
    if (queued) { return; }
    queued = true;
    Promise.resolve().then(() => { queued = false; syncFromModel(); });
  }
  for (const k of [...DATA_KEYS, "step"]) {
    model.on("change:" + k, queueSync);
    cleanups.push(() => model.off("change:" + k, queueSync));
  }

  // The reader's edit: check it here, and only a valid one goes to the model.
  function apply(candidate, step, fields) {
    let t;
    try { t = traceSteps(candidate); } catch (err) { showError(err, fields); return false; }
    clearError();
    setPlaying(false);
    data = candidate;
    trace = t;
    build();
    fillEditors();
    for (const k of DATA_KEYS) { model.set(k, candidate[k]); }
    model.set("step", Math.min(step, t.steps.length));
    model.save_changes();
    if (predict) { startPredict(); }
    show(Math.min(step, t.steps.length) - 1);
    userMoved = true;
    updateLink();
    return true;
  }

  function showError(err, fields) {
    if (!(err instanceof StepperError)) { throw err; }
    error.textContent = "Not applied: " + err.message + ". The stepper keeps the last valid numbers.";
    error.classList.add("cvs-on");
    for (const f of fields || []) { f.setAttribute("aria-invalid", "true"); }
  }
  function clearError() {
    error.textContent = "";
    error.classList.remove("cvs-on");
    for (const f of [xText, kText, biasText, padText, strideText]) { f.removeAttribute("aria-invalid"); }
  }

  function readEditors() {
    const candidate = Object.assign({}, data);
    const fields = [];
    const read = (field, f) => {
      try { return f(); } catch (err) { fields.push(field); throw err; }
    };
    try {
      candidate.X = read(xText, () => parseArray("X", xText.value, [3]));
      candidate.K = read(kText, () => parseArray("K", kText.value, [3, 4]));
      const b = biasText.value.trim();
      candidate.bias = b === "" ? null : read(biasText, () => parseArray("bias", /^\s*[[(]/.test(b) ? b : "[" + b + "]", [1]));
      candidate.padding = read(padText, () => parsePair("padding", padText.value));
      candidate.stride = read(strideText, () => parsePair("stride", strideText.value));
    } catch (err) {
      showError(err, fields);
      return null;
    }
    candidate.granularity = select.value;
    return candidate;
  }

  function applyEditors() {
    const candidate = readEditors();
    if (candidate === null) { return; }
    if (sameData(candidate, data)) { clearError(); return; }
    apply(candidate, 1, [xText, kText, biasText, padText, strideText]);
  }

  // ---- playing ----
  function setPlaying(on) {
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (on && !predict) {
      if (n >= trace.steps.length - 1) { setStep(0, true); }
      timer = setInterval(() => {
        if (n >= trace.steps.length - 1) { setPlaying(false); } else { setStep(n + 1, true); }
      }, model.get("interval_ms") || 900);
    }
    playBtn.textContent = timer !== null ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", timer !== null ? "true" : "false");
  }
  function stepTo(i) {
    setPlaying(false);
    if (predict && i === n + 1 && n < trace.steps.length - 1) {
      if (predict.pending) { guessInput.focus(); predictMsg.textContent = "Type your prediction first, or press Reveal."; return; }
      predict.pending = true;
      predict.tries = 0;
      predictMsg.textContent = "";
      setStep(i, true);
      return;
    }
    if (predict) { predict.pending = false; }
    setStep(i, true);
  }

  // ---- predict mode ----
  function startPredict() {
    predict = { pending: true, right: 0, done: 0, tries: 0 };
    predictMsg.textContent = "";
  }
  function drawPredict(s) {
    predictBox.hidden = false;
    const q = guessLabel.querySelector(".cvs-guess-q");
    q.textContent = "Your prediction for " + s.output_label;
    guessInput.setAttribute("aria-label", "Your prediction for " + s.output_label);
    guessInput.disabled = !predict.pending;
    checkBtn.disabled = !predict.pending;
    revealBtn.disabled = !predict.pending;
    const finished = n === trace.steps.length - 1 && !predict.pending;
    score.textContent = (finished ? "Finished: " : "Score: ") + predict.right + " of " + predict.done + " right";
  }
  function check() {
    if (!predict || !predict.pending) { return; }
    const s = trace.steps[n];
    const text = guessInput.value.trim();
    const guess = Number(text);
    if (text === "" || !NUMBER.test(text)) { predictMsg.textContent = "Type a number, for example 19 or -2.5."; return; }
    const value = s.running_total;
    const right = numberText(guess) === numberText(value) || Math.abs(guess - value) <= 1e-9 * Math.max(1, Math.abs(value));
    if (right) {
      predict.right += 1;
      predict.done += 1;
      predict.pending = false;
      predictMsg.textContent = "Right: " + s.output_label + " is " + numberText(value) + " after this step.";
      guessInput.value = "";
      show(n);
      return;
    }
    predict.tries += 1;
    const prev = n > 0 && same(trace.steps[n - 1], s) ? trace.steps[n - 1].running_total : 0;
    const terms = s.channels.length === 0 ? "the bias " + fmt(s.partial_sum) : productsText(s);
    predictMsg.textContent = "Not " + numberText(guess) + ". Hint: the total so far is " + numberText(prev) + "; this step adds " + terms + ". Try again, or press Reveal.";
  }
  function reveal() {
    if (!predict || !predict.pending) { return; }
    const s = trace.steps[n];
    predict.done += 1;
    predict.pending = false;
    predictMsg.textContent = "Revealed: " + s.output_label + " is " + numberText(s.running_total) + " after this step.";
    guessInput.value = "";
    show(n);
  }
  function togglePredict() {
    if (predict) {
      predict = null;
      predictBox.hidden = true;
      predictBtn.setAttribute("aria-pressed", "false");
      playBtn.disabled = false;
      show(n);
      return;
    }
    setPlaying(false);
    startPredict();
    predictBtn.setAttribute("aria-pressed", "true");
    playBtn.disabled = true;
    setStep(0, true);
    guessInput.focus();
  }

  // ---- reverse lookup ----
  function clearLookup() {
    for (const td of hits) { td.classList.remove("cvs-hit"); td.removeAttribute("aria-selected"); }
    hits = [];
    lookup.textContent = "";
  }
  function hit(td) { if (td && !td.classList.contains("cvs-hit")) { td.classList.add("cvs-hit"); hits.push(td); } }
  function lookUp(td) {
    const key = td.dataset.look;
    if (!key) { return; }
    clearLookup();
    const c = trace.check;
    const [kind, a0, b0, c0] = key.split(",");
    const A = Number(a0), B = Number(b0), C = Number(c0);
    hit(td);
    td.setAttribute("aria-selected", "true");
    if (kind === "x") {
      const [ch, r, s] = [A, B, C];
      const readers = [];
      for (let o = 0; o < c.cO; o++) {
        for (let i = 0; i < c.hO; i++) {
          const a = r - (i * c.st[0] - c.pad[0]);
          if (a < 0 || a >= c.kH) { continue; }
          for (let j = 0; j < c.wO; j++) {
            const b = s - (j * c.st[1] - c.pad[1]);
            if (b < 0 || b >= c.kW) { continue; }
            hit(cells.y[(o * c.hO + i) * c.wO + j]);
            const kCell = cells.k.get(o + "," + ch + "," + a + "," + b);
            hit(kCell);
            readers.push(yLabel(o, i, j) + " (× " + (c.multiOut ? "K[" + o + "," + ch + "]" : "K[" + ch + "]") + "[" + a + "," + b + "] = " + kCell.textContent + ")");
          }
        }
      }
      const shown = readers.slice(0, 12).join(", ") + (readers.length > 12 ? ", and " + (readers.length - 12) + " more" : "");
      lookup.textContent = "X[" + ch + "," + r + "," + s + "] = " + td.textContent + (readers.length ? " is read by " + readers.length + " output element" + (readers.length > 1 ? "s" : "") + ": " + shown + "." : " is read by no output element (the stride skips it).") + " Esc clears.";
    } else {
      const [o, i, j] = [A, B, C];
      const r0 = i * c.st[0] - c.pad[0], s0 = j * c.st[1] - c.pad[1];
      for (let ch = 0; ch < c.cI; ch++) {
        for (let a = 0; a < c.kH; a++) {
          for (let b = 0; b < c.kW; b++) {
            hit(cells.x.get(ch + "," + (r0 + a) + "," + (s0 + b)));
            hit(cells.k.get(o + "," + ch + "," + a + "," + b));
          }
        }
      }
      const kernels = [];
      for (let ch = 0; ch < c.cI; ch++) { kernels.push(c.multiOut ? "K[" + o + "," + ch + "]" : "K[" + ch + "]"); }
      lookup.textContent = yLabel(o, i, j) + " = " + numberText(trace.output[o][i][j]) + " reads rows " + r0 + " to " + (r0 + c.kH - 1) + " and columns " + s0 + " to " + (s0 + c.kW - 1) + " of every input channel, with " + kernels.join(", ") + (trace.bias !== null ? " and bias b[" + o + "]" : "") + ". Esc clears.";
    }
  }
  // Arrow keys move between the cells of one grid (one Tab stop per grid).
  function moveInGrid(td, key) {
    const tr = td.parentElement, tbl = tr.parentElement;
    let r = Array.prototype.indexOf.call(tbl.children, tr), col = Array.prototype.indexOf.call(tr.children, td);
    const rowsN = tbl.children.length, colsN = tr.children.length;
    const dr = { ArrowUp: -1, ArrowDown: 1 }[key] || 0, dc = { ArrowLeft: -1, ArrowRight: 1 }[key] || 0;
    for (let guard = 0; guard < rowsN * colsN; guard++) {
      r += dr; col += dc;
      if (r < 0 || r >= rowsN || col < 0 || col >= colsN) { return; }
      const target = tbl.children[r].children[col];
      if (target.dataset.look) {
        td.tabIndex = -1;
        target.tabIndex = 0;
        target.focus();
        return;
      }
    }
  }

  // ---- large view and full screen ----
  function fit() {
    const wide = root.classList.contains("cvs-large") || document.fullscreenElement === root;
    root.classList.toggle("cvs-wide", wide);
    fig.style.fontSize = "";
    if (!wide) { return; }
    const room = root.getBoundingClientRect();
    const top = fig.getBoundingClientRect().top - room.top;
    const availH = root.clientHeight - top - 8, availW = root.clientWidth - 24;
    const needW = fig.scrollWidth, needH = fig.scrollHeight;
    if (needW <= 0 || needH <= 0) { return; }
    const scale = Math.max(1, Math.min(3.5, availW / needW, availH / needH));
    fig.style.fontSize = scale.toFixed(3) + "em";
  }
  function setLarge(on) {
    // Over the whole window: out of any container that would hold a fixed box (JupyterLab's
    // notebook panel), back in place afterwards.
    const focused = document.activeElement;
    if (on && root.parentNode !== document.body) { document.body.append(root); }
    if (!on && root.parentNode !== el) { el.append(root); }
    if (focused && root.contains(focused) && document.activeElement !== focused) { focused.focus(); }
    root.classList.toggle("cvs-large", on);
    largeBtn.setAttribute("aria-pressed", on ? "true" : "false");
    fit();
  }

  // ---- events ----
  listen(prevBtn, "click", () => stepTo(n - 1));
  listen(nextBtn, "click", () => stepTo(n + 1));
  listen(playBtn, "click", () => setPlaying(timer === null));
  listen(slider, "input", () => { if (predict) { predict.pending = false; } stepTo(parseInt(slider.value, 10) - 1); });
  listen(select, "change", () => {
    // Stay on the same output element when the granularity changes.
    const s = trace.steps[n];
    const candidate = Object.assign({}, data, { granularity: select.value });
    const t = traceSteps(candidate);
    const target = t.steps.findIndex((x) => same(x, s));
    apply(candidate, Math.max(0, target) + 1, []);
  });
  listen(resetBtn, "click", () => {
    const example = model.get("example");
    clearLookup();
    if (example) {
      const candidate = {};
      for (const k of DATA_KEYS) { candidate[k] = k in example ? example[k] : null; }
      if (!sameData(candidate, data)) { apply(candidate, 1, []); return; }
    }
    clearError();
    fillEditors();
    if (predict) { startPredict(); }
    stepTo(0);
  });
  listen(predictBtn, "click", togglePredict);
  listen(checkBtn, "click", check);
  listen(revealBtn, "click", reveal);
  listen(guessInput, "keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); check(); } });
  listen(applyBtn, "click", applyEditors);
  for (const f of [xText, kText, biasText, padText, strideText]) { listen(f, "change", applyEditors); }
  listen(largeBtn, "click", () => setLarge(!root.classList.contains("cvs-large")));
  listen(fullBtn, "click", () => {
    if (document.fullscreenElement === root) { document.exitFullscreen(); } else {
      root.requestFullscreen().catch(() => { fullBtn.hidden = true; });
    }
  });
  listen(document, "fullscreenchange", () => {
    fullBtn.setAttribute("aria-pressed", document.fullscreenElement === root ? "true" : "false");
    fit();
  });
  listen(window, "resize", () => { if (root.classList.contains("cvs-wide")) { fit(); } });
  listen(fig, "click", (ev) => {
    const td = ev.target.closest("td[data-look]");
    if (td) { lookUp(td); }
  });
  listen(root, "keydown", (ev) => {
    const t = ev.target;
    const tag = t.tagName;
    if (ev.key === "Escape") {
      if (hits.length) { clearLookup(); } else if (root.classList.contains("cvs-large")) { setLarge(false); } else { return; }
      ev.preventDefault();
      return;
    }
    if (tag === "TD" && t.dataset.look) {
      if (ev.key === "Enter" || ev.key === " ") { lookUp(t); ev.preventDefault(); return; }
      if (ev.key.startsWith("Arrow")) { moveInGrid(t, ev.key); ev.preventDefault(); return; }
    }
    // Text boxes, the slider and the list handle their own keys; buttons click on Space and Enter.
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || tag === "TD" || tag === "SUMMARY" || tag === "A") { return; }
    if (tag === "BUTTON" && (ev.key === " " || ev.key === "Enter")) { return; }
    if (ev.key === "ArrowRight") { stepTo(n + 1); } else if (ev.key === "ArrowLeft") { stepTo(n - 1); } else if (ev.key === "Home") { stepTo(0); } else if (ev.key === "End") {
      if (predict) { predict.pending = false; }
      stepTo(trace.steps.length - 1);
    } else if (ev.key === " " || ev.key === "Spacebar") { setPlaying(timer === null); } else { return; }
    ev.preventDefault();
  });

  // An address such as page.html#two-channels/step-5 opens this stepper at that step.
  function followHash() {
    if (!(isPage && name)) { return; }
    const m = /^#([^/]+)\/step-(\d+)$/.exec(decodeURIComponent(location.hash));
    if (!m || m[1] !== name) { return; }
    setStep(parseInt(m[2], 10) - 1, false);
    root.scrollIntoView({ block: "start" });
    root.focus({ preventScroll: true });
  }
  listen(window, "hashchange", followHash);

  syncFromModel();
  followHash();
  return () => {
    setPlaying(false);
    root.remove();
    for (const f of cleanups) { f(); }
  };
}

export default { render };
