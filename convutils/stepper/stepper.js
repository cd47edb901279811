// The convutils stepper, one front end for the HTML book and the live Jupyter widget: an
// anywidget module whose named exports, the arithmetic, tests/test_stepper_parity.py runs in
// Node against Python's convutils.trace.trace_steps: every number and sentence.

export const MAX_PRODUCTS = 3000;
export const GRANULARITIES = ["element", "channel", "product"];
const FN = "stepper: ";
const range = (k) => [...Array(k).keys()];

// Numbers as convutils.trace.number_text writes them, with the same operations.
const POW10 = {};
for (let e = -13; e <= 15; e++) { POW10[e] = Number("1e" + e); }

export function numberText(v) {
  if (Number.isNaN(v)) { return "nan"; }
  if (Math.abs(v) === Infinity) { return v > 0 ? "inf" : "-inf"; }
  // String writes large whole numbers with an exponent; BigInt is exact but slower.
  if (Number.isInteger(v)) { return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString(); }
  const a = Math.abs(v);
  let e = 0;
  while (e < 15 && a >= POW10[e + 1]) { e += 1; }
  while (e > -13 && a < POW10[e]) { e -= 1; }
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
  return text[0] === "-" ? "(" + text + ")" : text;
}

// Checks, worded as convutils words them (convutils/checks.py, trace.py).
export class StepperError extends Error {}

function fail(message) { throw new StepperError(message); }

// A shape as Python prints a tuple: (2, 3, 3), (3,), ().
export function shapeText(shape) {
  return shape.length === 1 ? "(" + shape[0] + ",)" : "(" + shape.join(", ") + ")";
}

const pairText = (v) => Array.isArray(v) ? "(" + v.join(", ") + ")" : String(v);

// The shape of nested arrays of numbers; StepperError for ragged nesting or non-numbers.
function shapeOf(name, value) {
  if (!Array.isArray(value)) {
    if (typeof value !== "number") { fail(name + ": every entry must be a number (int or float)"); }
    return [];
  }
  if (value.length === 0) { return [0]; }
  const first = shapeOf(name, value[0]);
  for (const item of value) {
    if (shapeText(shapeOf(name, item)) !== shapeText(first)) {
      fail(name + ": the rows or channels have different lengths; every row of a matrix needs the same number of values");
    }
  }
  return [value.length, ...first];
}

export function checkNested(name, value, ndims) {
  const shape = shapeOf(name, value);
  if (!ndims.includes(shape.length)) {
    fail(name + ": expected " + ndims.join(" or ") + " levels of nesting, got " + shape.length +
      " (shape " + shapeText(shape) + ")");
  }
  return shape;
}

function asPair(name, value, minimum) {
  const v = Array.isArray(value) ? value : [value, value];
  if (v.length !== 2 || !v.every(Number.isInteger)) {
    fail(FN + name + " must be an int or an (h, w) pair of ints, got " + pairText(value));
  }
  if (v[0] < minimum || v[1] < minimum) {
    fail(FN + name + " must be " + (minimum ? "positive" : "non-negative") + ", got " + pairText(value));
  }
  return v;
}

// Every check the stepper makes, in convutils' order; returns the shapes and sizes.
export function checkState(state) {
  const g = state.granularity;
  if (!GRANULARITIES.includes(g)) {
    fail(FN + "granularity must be one of 'element', 'channel', 'product', got '" + g + "'");
  }
  const xShape = checkNested("X", state.X, [3]);
  const kShape = checkNested("K", state.K, [3, 4]);
  const bShape = state.bias == null ? null : checkNested("bias", state.bias, [1]);
  const multiOut = kShape.length === 4;
  const zero = (name, shape, dims) => shape.includes(0) && fail(FN + name + " has a zero-sized dimension (shape " +
    shapeText(shape) + " for " + dims + "); every axis needs at least one element");
  zero("X", xShape, "(c_i, h, w)");
  zero("K", kShape, multiOut ? "(c_o, c_i, k_h, k_w)" : "(c_i, k_h, k_w)");
  if (xShape[0] !== kShape.at(-3)) {
    fail(FN + "X has " + xShape[0] + " input channels (shape " + shapeText(xShape) + ") but K has " +
      kShape.at(-3) + " (shape " + shapeText(kShape) + "); K's c_i axis must match X's");
  }
  const pad = asPair("padding", state.padding, 0);
  const st = asPair("stride", state.stride, 1);
  const h = xShape[1] + 2 * pad[0], w = xShape[2] + 2 * pad[1];
  const [kH, kW] = kShape.slice(-2);
  if (kH > h || kW > w) {
    fail(FN + "kernel K " + shapeText(kShape) + " has a " + kH + "x" + kW + " window, larger than the " +
      h + "x" + w + " padded input (X " + shapeText(xShape) + ", padding " + pairText(pad) + ")");
  }
  const cO = multiOut ? kShape[0] : 1;
  if (bShape) {
    zero("bias", bShape, "(c_o)");
    if (bShape[0] !== cO) {
      fail(FN + "bias has shape " + shapeText(bShape) + " but K " + shapeText(multiOut ? kShape : [1, ...kShape]) +
        " has " + cO + " output channels; a layer has one bias per output channel, so bias must have shape (" + cO + ",)");
    }
  }
  const hO = Math.floor((h - kH) / st[0]) + 1, wO = Math.floor((w - kW) / st[1]) + 1;
  const products = cO * hO * wO * xShape[0] * kH * kW;
  if (products > MAX_PRODUCTS) {
    fail(FN + "X " + shapeText(xShape) + " and K " + shapeText(kShape) + " give " + products +
      " products; the stepper shows at most " + MAX_PRODUCTS + ": use smaller arrays");
  }
  return { xShape, kShape, pad, st, cI: xShape[0], cO, kH, kW, hO, wO, multiOut };
}

// Reading what the reader types.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseArray(name, text, ndims) {
  const tokens = text.match(/[[\](),]|"[^"]*"|'[^']*'|[^\s[\](),]+/g) || [];
  const bad = () => fail(name + ": could not read the text as nested lists of numbers, for example [[[0, 1], [2, 3]]]");
  let at = 0;
  function value() {
    const t = tokens[at++];
    if (t === "[" || t === "(") {
      const close = t === "[" ? "]" : ")", items = [];
      while (tokens[at] !== close) {
        items.push(value());
        if (tokens[at] === ",") { at += 1; } else if (tokens[at] !== close) { bad(); }
      }
      at += 1;
      return items;
    }
    if (t && (t[0] === "\"" || t[0] === "'")) { fail(name + ": every entry must be a number (int or float)"); }
    return t && NUMBER.test(t) ? Number(t) : bad();
  }
  const result = value();
  if (at !== tokens.length) { bad(); }
  checkNested(name, result, ndims);
  return result;
}

export function parsePair(name, text) {
  const parts = text.replace(/[()[\]]/g, "").split(",").map((p) => p.trim());
  if (parts.length > 2 || !parts.every((p) => /^[+-]?\d+$/.test(p))) {
    fail(name + ": type an integer or two separated by a comma");
  }
  const v = parts.map(Number);
  return v.length === 1 ? v[0] : v;
}

// The text a reader edits: one matrix row per line.
export function nestedText(a, indent = "") {
  if (!Array.isArray(a[0])) { return "[" + a.map(numberText).join(", ") + "]"; }
  const sep = (Array.isArray(a[0][0]) ? ",\n\n" : ",\n") + indent + " ";
  return "[" + a.map((b) => nestedText(b, indent + " ")).join(sep) + "]";
}

// The trace: convutils.trace.trace_steps, the same loops in the same order.
export function traceSteps(state) {
  const c = checkState(state);
  const X = state.X, K = c.multiOut ? state.K : [state.K], g = state.granularity;
  const bias = state.bias ?? null;
  const [pH, pW] = c.pad, [h, w] = c.xShape.slice(1);
  const steps = [], output = [];
  for (let o = 0; o < c.cO; o++) {
    const b = bias && bias[o], plane = [];
    for (let i = 0; i < c.hO; i++) {
      const row = [];
      for (let j = 0; j < c.wO; j++) {
        const label = "Y[" + (c.multiOut ? o + "," : "") + i + "," + j + "]";
        const rows = range(c.kH).map((a) => i * c.st[0] - pH + a);
        const cols = range(c.kW).map((q) => j * c.st[1] - pW + q);
        const all = [];
        for (let ch = 0; ch < c.cI; ch++) {
          for (let a = 0; a < c.kH; a++) {
            for (let q = 0; q < c.kW; q++) {
              const r = rows[a], s = cols[q], inside = r >= 0 && r < h && s >= 0 && s < w;
              const x = inside ? X[ch][r][s] : 0, k = K[o][ch][a][q];
              all.push({ channel: ch, row: r, col: s, k_row: a, k_col: q, x, k, value: x * k, padded: !inside });
            }
          }
        }
        const n = c.kH * c.kW;
        const chunks = g === "element" ? [[range(c.cI), all]]
          : g === "channel" ? range(c.cI).map((ch) => [[ch], all.slice(ch * n, ch * n + n)])
            : all.map((p) => [[p.channel], [p]]);
        const last = b === null || g === "element" ? chunks.length - 1 : -1;
        const soFar = new Array(c.cI).fill(0);
        let total = 0;
        const push = (channels, products, sums, part, finishes, bias) => steps.push({
          out_channel: o, out_row: i, out_col: j, output_label: label,
          channels, rows, cols, products, channel_sums: sums, partial_sum: part,
          running_total: total, finishes_element: finishes, granularity: g, bias });
        chunks.forEach(([chans, prods], m) => {
          let part = 0;
          for (const p of prods) { soFar[p.channel] += p.value; part += p.value; }
          total += part;
          if (g === "element" && b !== null) { total += b; }
          push(chans, prods, chans.map((ch) => soFar[ch]), part, m === last, g === "element" ? b : null);
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
  return { steps, output, check: c, bias };
}

export function productsText(step) {
  const texts = step.channels.map((ch) => step.products.filter((p) => p.channel === ch)
    .map((p) => fmt(p.x) + "×" + fmt(p.k)).join(" + "));
  const bare = texts.length === 1 || step.products.length === step.channels.length;
  return (bare ? texts : texts.map((t) => "(" + t + ")")).join(" + ");
}

export function narration(step) {
  const y = step.output_label, total = fmt(step.running_total);
  if (!step.channels.length) { return y + " += bias " + fmt(step.partial_sum) + " → " + total; }
  if (step.granularity !== "element") {
    return y + " += channel " + step.channels[0] + ": " + productsText(step) + " = " +
      fmt(step.partial_sum) + " → " + total;
  }
  const terms = step.channel_sums.map(fmt);
  let bias = "";
  if (step.bias != null) { bias = " + " + fmt(step.bias); terms.push(fmt(step.bias)); }
  const sums = terms.length > 1 + (bias ? 1 : 0) && step.products.length !== step.channels.length;
  return y + " = " + productsText(step) + bias + " = " + (sums ? terms.join(" + ") + " = " : "") + total;
}

// In the book's pages (no kernel) this stands in for the widget's model.
export function staticModel(state) {
  const data = { ...state }, handlers = {};
  return {
    get: (key) => data[key],
    set(key, value) {
      data[key] = value;
      for (const f of (handlers["change:" + key] || []).slice()) { f(); }
    },
    on(event, f) { (handlers[event] ||= []).push(f); },
    off(event, f) { handlers[event] = (handlers[event] || []).filter((x) => x !== f); },
    save_changes() {},
  };
}

const DATA_KEYS = ["X", "K", "bias", "padding", "stride", "granularity"];
const KEYS_HELP = ["Left / Right arrow: previous or next step", "Home / End: first or last step",
  "Space: play or pause", "Tab: the next button, grid or text box", "Arrows in a grid: its cells",
  "Enter on a cell: what reads it (X) or what it reads (Y)", "Esc: clear that, then leave the large view"];

function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(typeof attrs === "string" ? { class: attrs } : attrs || {})) {
    if (v == null || v === false) { continue; }
    if (k === "class") { e.className = v; } else if (k === "text") { e.textContent = v; } else { e.setAttribute(k, v === true ? "" : v); }
  }
  e.append(...children.filter((c) => c != null));
  return e;
}

const sameData = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// Two steps of the same output element.
const same = (a, b) => a.out_channel === b.out_channel && a.out_row === b.out_row && a.out_col === b.out_col;

function render({ model, el }) {
  const name = model.get("name") || "", isPage = model.get("host") === "page";
  const cleanups = [];
  const listen = (target, ev, f) => {
    target.addEventListener(ev, f);
    cleanups.push(() => target.removeEventListener(ev, f));
  };
  const click = (b, f) => listen(b, "click", f);

  const root = h("div", { class: "cvs", role: "group", tabindex: 0, id: isPage && name ? name : null,
    "aria-label": "Stepper" + (name ? " " + name : "") + ": the correlation step by step" });
  const btn = (label, toggle) => h("button", { type: "button", class: "cvs-btn", "aria-pressed": toggle && "false" }, label);
  const bar = (...items) => h("div", "cvs-bar", ...items);
  const p = (cls, live) => h("p", { class: cls, "aria-live": live && "polite" });
  // A visible label for the eye, an exact name (X, K, bias...) for a screen reader and a test.
  const field = (text, control, cls) => h("label", { class: "cvs-field " + (cls || "") }, h("span", { text, "aria-hidden": "true" }), control);
  const prevBtn = btn("Previous step"), playBtn = btn("Play", 1), nextBtn = btn("Next step");
  const slider = h("input", { type: "range", min: 1, class: "cvs-range", "aria-label": "Step" });
  const count = h("span", "cvs-count");
  const select = h("select", {}, ...GRANULARITIES.map((g) => h("option", { value: g, text: "per " + g })));
  const predictBtn = btn("Predict", 1), resetBtn = btn("Reset"), largeBtn = btn("Large view", 1), fullBtn = btn("Full screen", 1);
  fullBtn.hidden = !root.requestFullscreen;

  const narr = p("cvs-narr", 1), breakdown = h("div", "cvs-break");
  const guessInput = h("input", { type: "text", inputmode: "decimal", autocomplete: "off" });
  const guessQ = h("span"), checkBtn = btn("Check"), revealBtn = btn("Reveal");
  const predictMsg = p("cvs-pmsg", 1), score = p("cvs-score");
  const predictBox = h("div", { class: "cvs-predict", hidden: true },
    bar(h("label", "cvs-field", guessQ, guessInput), checkBtn, revealBtn), predictMsg, score);
  const [figX, figK, figY] = ["x", "k", "y"].map((x) => h("div", { class: "cvs-part cvs-part-" + x }));
  const fig = h("div", "cvs-fig", figX, figK, figY);
  const lookup = p("cvs-look", 1);

  const box = (label, rows) => h(rows ? "textarea" : "input", { type: !rows && "text", rows, spellcheck: "false", "aria-label": label });
  const boxes = [box("X", 6), box("K", 6), box("bias"), box("padding"), box("stride")];
  const [xText, kText, biasText, padText, strideText] = boxes;
  const applyBtn = btn("Apply");
  const error = h("p", { class: "cvs-err", role: "alert" });
  const edit = h("details", "cvs-edit",
    h("summary", { text: "Your own numbers: edit X, K, bias, padding, stride" }),
    h("p", { class: "cvs-hint", text: "Nested lists of numbers, as in Python. A box applies when you " +
      "leave it (or press Apply); bias may stay empty; padding and stride take one integer or two." }),
    bar(field("X (c_i, h, w)", xText, "cvs-col"), field("K (c_o, c_i, k_h, k_w) or (c_i, k_h, k_w)", kText, "cvs-col")),
    bar(field("bias", biasText), field("padding", padText), field("stride", strideText), applyBtn));
  const keys = h("details", "cvs-keys", h("summary", { text: "Keys" }),
    h("dl", "cvs-keylist", ...KEYS_HELP.flatMap((k) => k.split(": ").map((text, i) => h(i ? "dd" : "dt", { text })))),
    isPage ? h("a", { href: "using_this_book.html#stepper-keys", text: "All keys, in Using this book" }) : null);
  const link = h("a", { href: "#" }, "Link to this step");
  root.append(
    bar(prevBtn, playBtn, nextBtn, slider, count, h("label", "cvs-field", "Granularity ", select),
      predictBtn, resetBtn, largeBtn, fullBtn),
    narr, breakdown, predictBox, error, fig, lookup, edit, h("div", "cvs-bar cvs-foot", keys, name ? link : null));
  el.append(root);

  // n: the step on show, from 0 (the model's is n + 1); cells: td by "x,ch,r,s", "k,o,ch,a,b",
  // "y,o,i,j"; ys: Y's td in order; fills: [td, ch, a, b, o] showing X, K (o >= 0) or bias
  // (o < 0).
  let data = null, trace = null, n = 0, timer = null, cells, ys, fills, shapeKey;
  let predict = null;   // {pending, right, done} in predict mode
  let userMoved = false;
  const last = () => trace.steps.length - 1;
  const at = (...key) => cells.get(key.join());
  const kName = (o, ch) => "K[" + (trace.check.multiOut ? o + "," : "") + ch + "]";
  const has = (cls) => root.classList.contains(cls);

  // The grids: built once per shape; an edit of the same shape changes their texts. Row and
  // column headers (visually hidden) tell a screen reader where a cell is; (r0, c0) is the
  // first cell's index, negative in X's padding. A td is a gridcell in a grid, a cell in a table.
  function table(label, rowsN, colsN, make, grid, r0 = 0, c0 = 0) {
    let first = grid;
    const head = (scope, text) => h("th", { class: "cvs-sr", scope, text });
    const t = h("table", { class: "cvs-m", role: grid && "grid", "aria-label": label },
      h("tr", {}, h("td", { class: "cvs-sr", role: "none" }), ...range(colsN).map((b) => head("col", "column " + (b + c0)))));
    for (let a = 0; a < rowsN; a++) {
      const tr = t.appendChild(h("tr", {}, head("row", "row " + (a + r0))));
      for (let b = 0; b < colsN; b++) {
        const td = tr.appendChild(make(a, b));
        if (grid && td.dataset.look) {
          td.tabIndex = first ? 0 : -1;
          first = false;
        }
      }
    }
    return h("div", {}, h("div", { class: "cvs-title", text: label, "aria-hidden": "true" }), t);
  }
  // A cell, kept under its key; `look`: a click (or Enter) on it looks it up.
  const td = (cls, look, ...key) => {
    const e = h("td", { class: "cvs-c cvs-" + cls, "data-look": look && key.join() });
    cells.set(key.join(), e);
    return e;
  };
  const part = (fig, title, mats) => fig.replaceChildren(h("div", { class: "cvs-part-title", text: title }), h("div", "cvs-mats", ...mats));

  function makeGrids(c) {
    const [pH, pW] = c.pad, [h0, w0] = c.xShape.slice(1);
    cells = new Map();
    ys = [];
    fills = [];
    part(figX, "Input X " + shapeText(c.xShape) + (pH || pW ? ", padding " + pairText(c.pad) + " (dashed zeros)" : ""),
      range(c.cI).map((ch) => table("X[" + ch + "]", h0 + 2 * pH, w0 + 2 * pW, (a, b) => {
        const r = a - pH, s = b - pW, inside = r >= 0 && r < h0 && s >= 0 && s < w0;
        const e = td(inside ? "x" : "pad", inside, "x", ch, r, s);
        if (inside) { fills.push([e, ch, r, s]); } else { e.textContent = "0"; }
        return e;
      }, true, -pH, -pW)));
    part(figK, "Kernels K " + shapeText(c.kShape), range(c.cO).map((o) => {
      const v = h("span");
      if (trace.bias) { fills.push([v, o, 0, 0, -1]); }
      return h("div", "cvs-kgroup", ...range(c.cI).map((ch) => table(kName(o, ch), c.kH, c.kW, (a, b) => {
        const e = td("k", false, "k", o, ch, a, b);
        fills.push([e, ch, a, b, o]);
        return e;
      })), trace.bias ? h("div", {}, h("div", { class: "cvs-title", text: "bias" }), h("div", "cvs-c cvs-k cvs-bias-v", "b[" + o + "] = ", v)) : null);
    }));
    part(figY, "Output Y " + shapeText(c.multiOut ? [c.cO, c.hO, c.wO] : [c.hO, c.wO]),
      range(c.cO).map((o) => table(c.multiOut ? "Y[" + o + "]" : "Y", c.hO, c.wO, (i, j) => {
        const e = td("y", true, "y", o, i, j);
        ys.push(e);
        return e;
      }, true)));
  }

  function build() {
    const c = trace.check;
    const key = JSON.stringify([c.xShape, c.kShape, c.pad, c.hO, c.wO, !trace.bias]);
    clearLookup();
    if (key !== shapeKey) {
      shapeKey = key;
      makeGrids(c);
    }
    const X = data.X, K = c.multiOut ? data.K : [data.K];
    // An edit changes the text in place (cheaper to lay out than a new text node).
    for (const [e, ch, a, b, o] of fills) {
      const text = numberText(o === undefined ? X[ch][a][b] : o < 0 ? trace.bias[ch] : K[o][ch][a][b]);
      const t = e.firstChild;
      if (!t) { e.append(text); } else if (t.data !== text) { t.data = text; }
    }
    if (has("cvs-wide")) { requestAnimationFrame(fit); }
  }

  function show(index) {
    const steps = trace.steps, c = trace.check, finals = trace.output.flat(2);
    n = Math.max(0, Math.min(last(), index));
    const s = steps[n], pending = predict && predict.pending;
    for (const e of fig.querySelectorAll(".cvs-read, .cvs-win")) { e.classList.remove("cvs-read", "cvs-win"); }
    const read = new Set(s.products.map((q) => q.channel + "," + q.row + "," + q.col));
    for (const ch of s.channels) {
      s.rows.forEach((r, a) => s.cols.forEach((col, b) => {
        const cls = read.has(ch + "," + r + "," + col) ? "cvs-read" : "cvs-win";
        for (const e of [at("x", ch, r, col), at("k", s.out_channel, ch, a, b)]) { e.classList.add(cls); }
      }));
    }
    // Output elements before the current one are finished, the ones after it not reached.
    const flat = (s.out_channel * c.hO + s.out_row) * c.wO + s.out_col;
    const before = n > 0 && same(steps[n - 1], s) ? numberText(steps[n - 1].running_total) : null;
    ys.forEach((e, f) => {
      const state = f < flat ? "cvs-done" : f > flat ? "cvs-todo" : "cvs-now";
      const text = f < flat ? numberText(finals[f]) : f > flat ? ""
        : !pending ? numberText(s.running_total) : before ? before + " + ?" : "?";
      if (e.textContent !== text) { e.textContent = text; }
      if (!e.classList.contains(state)) { e.classList.remove("cvs-todo", "cvs-done", "cvs-now"); e.classList.add(state); }
      e.setAttribute("aria-label", text || "not computed yet");
    });
    count.textContent = "Step " + (n + 1) + " of " + steps.length;
    slider.max = steps.length;
    slider.value = n + 1;
    narr.textContent = pending ? promptText(s) : narration(s);
    drawBreakdown(s, pending);
    if (predict) { drawPredict(s); }
  }

  function promptText(s) {
    const q = s.products[0];
    const what = !s.channels.length ? "adding the bias" : s.granularity === "element" ? "adding up every channel"
      : s.granularity === "channel" ? "adding channel " + s.channels[0] : "adding X[" + q.channel + "," + q.row + "," + q.col + "] × its weight";
    return "Predict: what is " + s.output_label + " after " + what + "? Type it below.";
  }

  // Each input channel's partial sum for the element being written, with a small bar.
  function drawBreakdown(s, pending) {
    const steps = trace.steps;
    let first = n, end = n;
    while (first > 0 && same(steps[first - 1], s)) { first -= 1; }
    while (end < last() && !steps[end].finishes_element) { end += 1; }
    // Each channel's sum after step `to` (of those of this element).
    const sumsAfter = (to) => {
      const sums = [];
      for (let m = first; m <= to; m++) { steps[m].channels.forEach((ch, q) => { sums[ch] = steps[m].channel_sums[q]; }); }
      return sums;
    };
    const nowSums = sumsAfter(pending ? n - 1 : n), finalSums = sumsAfter(end);
    const b = trace.bias ? trace.bias[s.out_channel] : null;
    // With a bias, "element" adds it in its one step; the other granularities in the last.
    const shownBias = !pending && (s.granularity === "element" || n === end) ? b : null;
    const scale = Math.max(1e-300, ...finalSums.map(Math.abs), Math.abs(b), Math.abs(steps[end].running_total));
    const row = (label, value, cls) => h("li", cls, h("span", { class: "cvs-b-label", text: label }),
      h("span", { class: "cvs-bar-track", "aria-hidden": "true" }, h("span", {
        class: "cvs-bar-fill" + (value < 0 ? " cvs-neg" : ""),
        style: "width:" + (value == null ? 0 : Math.round(100 * Math.abs(value) / scale)) + "%" })),
      h("span", { class: "cvs-b-val", text: value == null ? "…" : numberText(value) }));
    breakdown.replaceChildren(
      h("p", { class: "cvs-b-title", text: s.output_label + " by input channel" + (end === n && !pending ? " (finished)" : " (so far)") + ":" }),
      h("ul", "cvs-b-list", ...range(trace.check.cI).map((ch) => row("channel " + ch, nowSums[ch])),
        b === null ? null : row("bias", shownBias), row("sum", pending ? null : s.running_total, "cvs-sum")));
  }

  function setStep(index, fromUser) {
    userMoved ||= fromUser;
    show(index);
    if (model.get("step") !== n + 1) {
      model.set("step", n + 1);
      model.save_changes();
    }
    if (fromUser) { updateLink(); }
  }

  function updateLink() {
    if (!name) { return; }
    const hash = "#" + name + "/step-" + (n + 1);
    link.setAttribute("href", hash);
    if (userMoved && location.hash !== hash) {
      try { history.replaceState(history.state, "", hash); } catch (e) { /* file:// in some browsers */ }
    }
  }

  function fillEditors() {
    const pair = (v) => Array.isArray(v) ? v.join(", ") : String(v);
    [xText.value, kText.value] = [nestedText(data.X), nestedText(data.K)];
    biasText.value = data.bias ? data.bias.map(numberText).join(", ") : "";
    [padText.value, strideText.value] = [pair(data.padding), pair(data.stride)];
    select.value = data.granularity;
  }

  function take(candidate, t) {
    data = candidate;
    trace = t;
    build();
    fillEditors();
    clearError();
    if (predict) { startPredict(); }
  }

  // The model's data, if valid (it always is when Python set it: the widget checks with the
  // same rules); otherwise say why and keep what is on screen.
  function syncFromModel() {
    const next = {};
    for (const k of DATA_KEYS) { next[k] = model.get(k) ?? null; }
    const want = (model.get("step") || 1) - 1;
    if (data === null || !sameData(next, data)) {
      try { take(next, traceSteps(next)); } catch (err) { showError(err); return; }
    } else if (want === n) { return; }
    show(want);
    updateLink();
  }

  let queued = false;
  const queueSync = () => {
    if (!queued) { queued = true; queueMicrotask(() => { queued = false; syncFromModel(); }); }
  };
  for (const k of [...DATA_KEYS, "step"]) {
    model.on("change:" + k, queueSync);
    cleanups.push(() => model.off("change:" + k, queueSync));
  }

  // The reader's edit: checked here; a valid one goes to the model, with the step, in one message.
  function apply(candidate, step, fields) {
    let t;
    try { t = traceSteps(candidate); } catch (err) { showError(err, fields); return; }
    setPlaying(false);
    take(candidate, t);
    step = Math.min(step, t.steps.length);
    for (const k of DATA_KEYS) { model.set(k, candidate[k]); }
    model.set("step", step);
    model.save_changes();
    show(step - 1);
    userMoved = true;
    updateLink();
  }

  function showError(err, fields) {
    if (!(err instanceof StepperError)) { throw err; }
    error.textContent = "Not applied: " + err.message + ". The stepper keeps the last valid numbers.";
    for (const f of fields || []) { f.setAttribute("aria-invalid", "true"); }
  }
  function clearError() {
    error.textContent = "";
    for (const f of boxes) { f.removeAttribute("aria-invalid"); }
  }

  function applyEditors() {
    const candidate = { ...data, granularity: select.value };
    let box = null;
    try {
      const b = biasText.value.trim();
      box = xText; candidate.X = parseArray("X", xText.value, [3]);
      box = kText; candidate.K = parseArray("K", kText.value, [3, 4]);
      box = biasText; candidate.bias = b ? parseArray("bias", /^[[(]/.test(b) ? b : "[" + b + "]", [1]) : null;
      box = padText; candidate.padding = parsePair("padding", padText.value);
      box = strideText; candidate.stride = parsePair("stride", strideText.value);
    } catch (err) { showError(err, [box]); return; }
    if (sameData(candidate, data)) { clearError(); } else { apply(candidate, 1, boxes); }
  }

  function setPlaying(on) {
    clearInterval(timer);
    timer = null;
    if (on && !predict) {
      if (n >= last()) { setStep(0, true); }
      timer = setInterval(() => n >= last() ? setPlaying(false) : setStep(n + 1, true), model.get("interval_ms") || 900);
    }
    playBtn.textContent = timer ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", !!timer);
  }
  // In predict mode, the next step asks for a new prediction once the last one is answered
  // (a `jump`, by End or the slider, drops an unanswered one); any other move asks none.
  function stepTo(i, jump) {
    setPlaying(false);
    if (predict && i === n + 1 && n < last()) {
      if (predict.pending && !jump) {
        guessInput.focus();
        predictMsg.textContent = "Type your prediction first, or press Reveal.";
        return;
      }
      predictMsg.textContent = "";
      predict.pending = true;
    } else if (predict) {
      predict.pending = false;
    }
    setStep(i, true);
  }

  function startPredict() {
    predict = { pending: true, right: 0, done: 0 };
    predictMsg.textContent = "";
  }
  function drawPredict(s) {
    predictBox.hidden = false;
    guessQ.textContent = "Your prediction for " + s.output_label;
    guessInput.setAttribute("aria-label", guessQ.textContent);
    for (const e of [guessInput, checkBtn, revealBtn]) { e.disabled = !predict.pending; }
    score.textContent = (n === last() && !predict.pending ? "Finished: " : "Score: ") + predict.right + " of " + predict.done + " right";
  }
  // The reader's guess: right (or revealed) shows the value; wrong gives the products as a hint.
  function answer(reveal) {
    if (!predict || !predict.pending) { return; }
    const s = trace.steps[n], v = s.running_total, value = numberText(v);
    const text = guessInput.value.trim(), guess = Number(text);
    if (!reveal && !NUMBER.test(text)) { predictMsg.textContent = "Type a number, for example 19 or -2.5."; return; }
    const right = !reveal && (numberText(guess) === value || Math.abs(guess - v) <= 1e-9 * Math.max(1, Math.abs(v)));
    if (reveal || right) {
      predict.right += right;
      predict.done += 1;
      predict.pending = false;
      predictMsg.textContent = (right ? "Right: " : "Revealed: ") + s.output_label + " is " + value + " after this step.";
      guessInput.value = "";
      show(n);
      return;
    }
    const prev = n > 0 && same(trace.steps[n - 1], s) ? trace.steps[n - 1].running_total : 0;
    predictMsg.textContent = "Not " + numberText(guess) + ". Hint: the total so far is " + numberText(prev) + "; this step adds " +
      (s.channels.length ? productsText(s) : "the bias " + fmt(s.partial_sum)) + ". Try again, or press Reveal.";
  }
  function togglePredict() {
    setPlaying(false);
    predictBtn.setAttribute("aria-pressed", !predict);
    playBtn.disabled = !predict;
    if (predict) {
      predict = null;
      predictBox.hidden = true;
      show(n);
      return;
    }
    startPredict();
    setStep(0, true);
    guessInput.focus();
  }

  const lit = () => fig.querySelectorAll(".cvs-hit");
  function clearLookup() {
    for (const e of lit()) { e.classList.remove("cvs-hit"); e.removeAttribute("aria-selected"); }
    lookup.textContent = "";
  }
  // An X cell: the output elements that read it, with the weights; a Y cell: what it reads.
  function lookUp(cell) {
    const [kind, A, B, C] = cell.dataset.look.split(",").map((v, i) => i ? Number(v) : v);
    const readers = [];
    let found;
    clearLookup();
    cell.classList.add("cvs-hit");
    cell.setAttribute("aria-selected", "true");
    for (const s of trace.steps) {
      for (const q of s.products) {
        if (kind === "x" ? q.channel !== A || q.row !== B || q.col !== C : s.out_channel !== A || s.out_row !== B || s.out_col !== C) {
          continue;
        }
        const k = at("k", s.out_channel, q.channel, q.k_row, q.k_col);
        found = s;
        for (const e of [at("y", s.out_channel, s.out_row, s.out_col), at("x", q.channel, q.row, q.col), k]) { e.classList.add("cvs-hit"); }
        readers.push(s.output_label + " (× " + kName(s.out_channel, A) + "[" + q.k_row + "," + q.k_col + "] = " + k.textContent + ")");
      }
    }
    const r = readers.length, more = r > 12 ? ", and " + (r - 12) + " more" : "";
    lookup.textContent = (kind === "x" ? "X[" + A + "," + B + "," + C + "] = " + cell.textContent + (r ? " is read by " + r +
      " output element" + (r > 1 ? "s: " : ": ") + readers.slice(0, 12).join(", ") + more + "." : " is read by no output element (the stride skips it).")
      : found.output_label + " = " + numberText(trace.output[A][B][C]) + " reads rows " + found.rows[0] + " to " + found.rows.at(-1) +
      " and columns " + found.cols[0] + " to " + found.cols.at(-1) + " of every input channel, with " +
      range(trace.check.cI).map((ch) => kName(A, ch)).join(", ") + (trace.bias ? " and bias b[" + A + "]" : "") + ".") + " Esc clears.";
  }
  // Arrow keys move between the cells of one grid (one Tab stop per grid).
  function moveInGrid(cell, key) {
    const [dr, dc] = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[key];
    const rows = cell.closest("table").rows;
    let r = cell.parentElement.rowIndex, col = cell.cellIndex, t;
    while ((t = rows[r += dr]?.cells[col += dc])) {
      if (t.dataset.look) {
        cell.tabIndex = -1;
        t.tabIndex = 0;
        t.focus();
        return;
      }
    }
  }

  // Large view and full screen: the figure scaled to the room below the controls.
  function fit() {
    const on = has("cvs-large") || document.fullscreenElement === root;
    root.classList.toggle("cvs-wide", on);
    fig.style.fontSize = "";
    if (!on || !fig.scrollWidth) { return; }
    const top = fig.getBoundingClientRect().top - root.getBoundingClientRect().top;
    const scale = Math.max(1, Math.min(3.5, (root.clientWidth - 24) / fig.scrollWidth,
      (root.clientHeight - top - 8) / fig.scrollHeight));
    fig.style.fontSize = scale.toFixed(3) + "em";
  }
  function setLarge(on) {
    // Over the whole window: out of any container that would hold a fixed box (JupyterLab's
    // notebook panel), back in place afterwards.
    const focused = document.activeElement;
    const to = on ? document.body : el;
    if (root.parentNode !== to) { to.append(root); }
    if (root.contains(focused) && document.activeElement !== focused) { focused.focus(); }
    root.classList.toggle("cvs-large", on);
    largeBtn.setAttribute("aria-pressed", on);
    fit();
  }

  click(prevBtn, () => stepTo(n - 1));
  click(nextBtn, () => stepTo(n + 1));
  click(playBtn, () => setPlaying(!timer));
  listen(slider, "input", () => stepTo(slider.value - 1, true));
  listen(select, "change", () => {
    // Stay on the same output element when the granularity changes.
    const candidate = { ...data, granularity: select.value };
    apply(candidate, Math.max(0, traceSteps(candidate).steps.findIndex((x) => same(x, trace.steps[n]))) + 1, []);
  });
  click(resetBtn, () => {
    const example = model.get("example"), candidate = {};
    for (const k of DATA_KEYS) { candidate[k] = example?.[k] ?? null; }
    clearLookup();
    if (example && !sameData(candidate, data)) { apply(candidate, 1, []); return; }
    clearError();
    fillEditors();
    if (predict) { startPredict(); }
    stepTo(0);
  });
  click(predictBtn, togglePredict);
  click(checkBtn, () => answer(false));
  click(revealBtn, () => answer(true));
  listen(guessInput, "keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      answer(false);
    }
  });
  click(applyBtn, applyEditors);
  for (const f of boxes) { listen(f, "change", applyEditors); }
  click(largeBtn, () => setLarge(!has("cvs-large")));
  click(fullBtn, () => {
    if (document.fullscreenElement === root) { document.exitFullscreen(); } else { root.requestFullscreen().catch(() => { fullBtn.hidden = true; }); }
  });
  listen(document, "fullscreenchange", () => {
    fullBtn.setAttribute("aria-pressed", document.fullscreenElement === root);
    fit();
  });
  listen(window, "resize", () => { if (has("cvs-wide")) { fit(); } });
  click(fig, (ev) => {
    const cell = ev.target.closest("td[data-look]");
    if (cell) { lookUp(cell); }
  });
  const MOVES = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
  listen(root, "keydown", (ev) => {
    const t = ev.target, tag = t.tagName, key = ev.key, cell = tag === "TD" && t.dataset.look;
    if (key === "Escape") {
      if (lit().length) { clearLookup(); } else if (has("cvs-large")) { setLarge(false); } else { return; }
    } else if (cell && (key === "Enter" || key === " ")) {
      lookUp(t);
    } else if (cell && key.startsWith("Arrow")) {
      moveInGrid(t, key);
    } else if (/^(INPUT|SELECT|TEXTAREA|TD|SUMMARY|A)$/.test(tag) || (tag === "BUTTON" && (key === " " || key === "Enter"))) {
      // Text boxes, the slider and the list have their own keys; buttons click on Space and Enter.
      return;
    } else if (Object.hasOwn(MOVES, key)) {
      stepTo(Math.max(0, Math.min(last(), n + MOVES[key])), key === "End");
    } else if (key === " ") {
      setPlaying(!timer);
    } else {
      return;
    }
    ev.preventDefault();
  });

  // An address such as page.html#two-channels/step-5 opens this stepper at that step, in the
  // book and in JupyterLab. JupyterLab drops the fragment while it opens the notebook, long
  // before the widget renders (the reader runs the cells first): at its first render, with no
  // fragment left, the one the page was opened with counts.
  function followHash(atRender) {
    const opened = atRender === true && performance.getEntriesByType?.("navigation")[0]?.name;
    const hash = location.hash || (opened ? new URL(opened).hash : "");
    const m = /^#([^/]+)\/step-(\d+)$/.exec(decodeURIComponent(hash));
    if (!name || !m || m[1] !== name) { return; }
    setStep(m[2] - 1, false);
    root.scrollIntoView({ block: "start" });
    root.focus({ preventScroll: true });
  }
  listen(window, "hashchange", followHash);

  syncFromModel();
  followHash(true);
  return () => {
    setPlaying(false);
    root.remove();
    for (const f of cleanups) { f(); }
  };
}

export default { render };
