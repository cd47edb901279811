// The convutils stepper: an anywidget module, also inlined in the book's pages. Its named exports
// must match convutils.trace in every number and sentence (tests/test_stepper_parity.py).

export const MAX_PRODUCTS = 3000;
export const GRANULARITIES = ["element", "channel", "product"];
const FN = "stepper: ";
const range = (k) => [...Array(k).keys()];

// Numbers as convutils.trace.number_text writes them.
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
  let digits = BigInt(r).toString().padStart(d + 1, "0");
  if (d > 0) { digits = (digits.slice(0, -d) + "." + digits.slice(-d)).replace(/\.?0+$/, ""); }
  return (v < 0 ? "-" : "") + digits;
}

// A term of a sum: negative numbers in parentheses.
export function fmt(v) {
  const text = numberText(v);
  return text[0] === "-" ? `(${text})` : text;
}

// Checks, worded as convutils words them.
export class StepperError extends Error {}

function fail(message) { throw new StepperError(message); }
const NOT_NUMBER = ": every entry must be a number (int or float)";

// A shape as Python prints a tuple: (2, 3, 3), (3,), ().
export const shapeText = (shape) => `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
const pairText = (v) => Array.isArray(v) ? `(${v.join(", ")})` : String(v);

// The shape of nested arrays of numbers.
function shapeOf(name, value) {
  if (!Array.isArray(value)) {
    if (typeof value !== "number") { fail(name + NOT_NUMBER); }
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
    fail(`${name}: expected ${ndims.join(" or ")} levels of nesting, got ${shape.length} (shape ${shapeText(shape)})`);
  }
  return shape;
}

function asPair(name, value, minimum) {
  const v = Array.isArray(value) ? value : [value, value];
  if (v.length !== 2 || !v.every(Number.isInteger)) {
    fail(`${FN}${name} must be an int or an (h, w) pair of ints, got ${pairText(value)}`);
  }
  if (Math.min(...v) < minimum) {
    fail(`${FN}${name} must be ${minimum ? "positive" : "non-negative"}, got ${pairText(value)}`);
  }
  return v;
}

// Every check, in convutils' order; returns the shapes and sizes.
export function checkState(state) {
  const g = state.granularity;
  if (!GRANULARITIES.includes(g)) {
    fail(`${FN}granularity must be one of 'element', 'channel', 'product', got '${g}'`);
  }
  const xShape = checkNested("X", state.X, [3]), xText = shapeText(xShape);
  const kShape = checkNested("K", state.K, [3, 4]), kText = shapeText(kShape);
  const bShape = state.bias == null ? null : checkNested("bias", state.bias, [1]);
  const multiOut = kShape.length === 4;
  const zero = (name, shape, dims) => shape.includes(0) && fail(`${FN}${name} has a zero-sized dimension (shape ${
    shapeText(shape)} for ${dims}); every axis needs at least one element`);
  zero("X", xShape, "(c_i, h, w)");
  zero("K", kShape, multiOut ? "(c_o, c_i, k_h, k_w)" : "(c_i, k_h, k_w)");
  if (xShape[0] !== kShape.at(-3)) {
    fail(`${FN}X has ${xShape[0]} input channels (shape ${xText}) but K has ${kShape.at(-3)} (shape ${kText}); ` +
      "K's c_i axis must match X's");
  }
  const pad = asPair("padding", state.padding, 0);
  const st = asPair("stride", state.stride, 1);
  const h = xShape[1] + 2 * pad[0], w = xShape[2] + 2 * pad[1];
  const [kH, kW] = kShape.slice(-2);
  if (kH > h || kW > w) {
    fail(`${FN}kernel K ${kText} has a ${kH}x${kW} window, larger than the ${h}x${w} padded input ` +
      `(X ${xText}, padding ${pairText(pad)})`);
  }
  const cO = multiOut ? kShape[0] : 1;
  if (bShape) {
    zero("bias", bShape, "(c_o)");
    if (bShape[0] !== cO) {
      fail(`${FN}bias has shape ${shapeText(bShape)} but K ${multiOut ? kText : shapeText([1, ...kShape])} has ${cO} ` +
        `output channels; a layer has one bias per output channel, so bias must have shape (${cO},)`);
    }
  }
  const hO = Math.floor((h - kH) / st[0]) + 1, wO = Math.floor((w - kW) / st[1]) + 1;
  const products = cO * hO * wO * xShape[0] * kH * kW;
  if (products > MAX_PRODUCTS) {
    fail(`${FN}X ${xText} and K ${kText} give ${products} products; the stepper shows at most ${MAX_PRODUCTS}: ` +
      "use smaller arrays");
  }
  return { xShape, kShape, pad, st, cI: xShape[0], cO, kH, kW, hO, wO, multiOut };
}

// Reading what the reader types.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseArray(name, text, ndims) {
  const tokens = text.match(/[[\](),]|[^\s[\](),]+/g) || [];
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
    if (/^["']/.test(t)) { fail(name + NOT_NUMBER); }
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

// convutils.trace.trace_steps: the same loops in the same order.
export function traceSteps(state) {
  const c = checkState(state);
  const X = state.X, K = c.multiOut ? state.K : [state.K], g = state.granularity, element = g === "element";
  const bias = state.bias ?? null;
  const [pH, pW] = c.pad, [h, w] = c.xShape.slice(1);
  const steps = [], only = range(c.cI).map((ch) => [ch]);
  const output = range(c.cO).map((o) => range(c.hO).map((i) => range(c.wO).map((j) => {
    const b = bias && bias[o], label = `Y[${c.multiOut ? o + "," : ""}${i},${j}]`;
    const rows = range(c.kH).map((a) => i * c.st[0] - pH + a);
    const cols = range(c.kW).map((q) => j * c.st[1] - pW + q);
    const all = [];
    range(c.cI).forEach((ch) => rows.forEach((r, a) => cols.forEach((s, q) => {
      const inside = r >= 0 && r < h && s >= 0 && s < w, x = inside ? X[ch][r][s] : 0, k = K[o][ch][a][q];
      all.push({ channel: ch, row: r, col: s, k_row: a, k_col: q, x, k, value: x * k, padded: !inside });
    })));
    // Each step's [channels, products]; the bias comes last: in the "element" step, or alone.
    const chunks = element ? [[range(c.cI), all]]
      : g === "channel" ? range(c.cI).map((ch) => [only[ch], all.filter((p) => p.channel === ch)])
        : all.map((p) => [only[p.channel], [p]]);
    if (b !== null && !element) { chunks.push([[], []]); }
    const soFar = new Array(c.cI).fill(0);
    let total = 0;
    chunks.forEach(([channels, products], m) => {
      let part = channels.length ? 0 : b;
      for (const p of products) { soFar[p.channel] += p.value; part += p.value; }
      total += part;
      if (element && b !== null) { total += b; }
      steps.push({ out_channel: o, out_row: i, out_col: j, output_label: label,
        channels, rows, cols, products, channel_sums: channels.map((ch) => soFar[ch]), partial_sum: part,
        running_total: total, finishes_element: m === chunks.length - 1, granularity: g,
        bias: element || !channels.length ? b : null });
    });
    return total;
  })));
  return { steps, output, check: c, bias };
}

export function productsText(step) {
  const texts = step.channels.map((ch) => step.products.filter((p) => p.channel === ch)
    .map((p) => fmt(p.x) + "×" + fmt(p.k)).join(" + "));
  const bare = texts.length === 1 || step.products.length === step.channels.length;
  return (bare ? texts : texts.map((t) => `(${t})`)).join(" + ");
}

export function narration(step) {
  const y = step.output_label, total = fmt(step.running_total);
  if (!step.channels.length) { return `${y} += bias ${fmt(step.partial_sum)} → ${total}`; }
  if (step.granularity !== "element") {
    return `${y} += channel ${step.channels[0]}: ${productsText(step)} = ${fmt(step.partial_sum)} → ${total}`;
  }
  // The products, then (if they differ) the channels' sums; bias last.
  const bias = step.bias == null ? [] : [fmt(step.bias)];
  const sums = step.channels.length > 1 && step.products.length !== step.channels.length;
  return `${y} = ${[productsText(step), ...bias].join(" + ")} = ` +
    (sums ? [...step.channel_sums.map(fmt), ...bias].join(" + ") + " = " : "") + total;
}

// The widget's model, in the book's pages (no kernel).
export function staticModel(state) {
  const data = { ...state }, events = new EventTarget();
  return {
    get: (key) => data[key],
    set(key, value) {
      data[key] = value;
      events.dispatchEvent(new Event("change:" + key));
    },
    on: (event, f) => events.addEventListener(event, f),
    off: (event, f) => events.removeEventListener(event, f),
    save_changes() {},
  };
}

const DATA_KEYS = ["X", "K", "bias", "padding", "stride", "granularity"];
const pick = (get) => Object.fromEntries(DATA_KEYS.map((k) => [k, get(k) ?? null]));
const KEYS_HELP = ["Left / Right: previous or next step", "Home / End: first or last step", "Space: play or pause",
  "Arrows in a grid: its cells; Enter: what reads it (X), what it reads (Y)", "Esc: clear, then leave the large view"];

// An element; `attrs`: a class, or attributes and on... handlers.
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(typeof attrs === "string" ? { class: attrs } : attrs || {})) {
    if (v == null || v === false) { continue; }
    if (k.startsWith("on")) { e[k] = v; } else { e.setAttribute(k, v === true ? "" : v); }
  }
  e.append(...children.filter((c) => c != null));
  return e;
}

const sameData = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// Two steps of the same output element.
const same = (a, b) => a.output_label === b.output_label;

function render({ model, el }) {
  const name = model.get("name") || "", isPage = model.get("host") === "page";
  // Listeners outside the stepper, removed with it.
  const cleanups = [];
  const listen = (target, ev, f) => {
    target.addEventListener(ev, f);
    cleanups.push(() => target.removeEventListener(ev, f));
  };

  const root = h("div", { class: "cvs", role: "group", tabindex: 0, id: isPage && name ? name : null, onkeydown: onKey,
    "aria-label": `Stepper${name ? " " + name : ""}: the correlation step by step` });
  const btn = (label, onclick, toggle) => h("button", { type: "button", "aria-pressed": toggle && "false", onclick }, label);
  const bar = (...items) => h("div", "cvs-bar", ...items);
  const live = (cls) => h("p", { class: cls, "aria-live": "polite" });
  // A visible label; the control's aria-label is its exact name (X, K, bias...).
  const field = (text, control, cls) => h("label", "cvs-field " + cls, h("span", { "aria-hidden": "true" }, text), control);
  const playBtn = btn("Play", () => setPlaying(!timer), 1), predictBtn = btn("Predict", togglePredict, 1);
  const slider = h("input", { type: "range", min: 1, class: "cvs-range", "aria-label": "Step",
    oninput: () => stepTo(slider.value - 1, true) });
  const count = h("span", "cvs-count");
  const select = h("select", { onchange: regranulate }, ...GRANULARITIES.map((g) => h("option", { value: g }, "per " + g)));
  const largeBtn = btn("Large view", () => setLarge(!has("cvs-large")), 1);
  const fullBtn = btn("Full screen", () => isFull() ? document.exitFullscreen()
    : root.requestFullscreen().catch(() => { fullBtn.hidden = true; }), 1);
  fullBtn.hidden = !root.requestFullscreen;

  const narr = live("cvs-narr"), breakdown = h("div", "cvs-break");
  // Enter checks (in JupyterLab, Enter does not submit a form).
  const guessInput = h("input", { type: "text", inputmode: "decimal", autocomplete: "off",
    onkeydown: (ev) => { if (ev.key === "Enter") { ev.preventDefault(); answer(false); } } });
  const guessQ = h("span"), checkBtn = btn("Check", () => answer(false)), revealBtn = btn("Reveal", () => answer(true));
  const predictMsg = live("cvs-pmsg"), score = h("p", "cvs-score");
  const say = (text) => { predictMsg.textContent = text; };
  const predictBox = h("div", { class: "cvs-predict", hidden: true },
    bar(h("label", "cvs-field", guessQ, guessInput), checkBtn, revealBtn), predictMsg, score);
  const [figX, figK, figY] = ["x", "k", "y"].map((x) => h("div", "cvs-part cvs-part-" + x));
  const fig = h("div", { class: "cvs-fig", onclick: (ev) => {
    const cell = ev.target.closest("td[data-look]");
    if (cell) { lookUp(cell); }
  } }, figX, figK, figY);
  const lookup = live("cvs-look");

  // The text boxes by key (their names): label, how a value is written and its text read.
  const EDITS = {
    X: ["X (c_i, h, w)", nestedText, (t) => parseArray("X", t, [3])],
    K: ["K (c_o, c_i, k_h, k_w) or (c_i, k_h, k_w)", nestedText, (t) => parseArray("K", t, [3, 4])],
    bias: ["bias", (b) => b?.map(numberText).join(", ") ?? "", (t) => t ? parseArray("bias", /^[[(]/.test(t) ? t : `[${t}]`, [1]) : null],
    padding: ["padding", pairText, (t) => parsePair("padding", t)],
    stride: ["stride", pairText, (t) => parsePair("stride", t)],
  };
  const boxes = {}, fields = [];
  for (const [k, [label]] of Object.entries(EDITS)) {
    const lines = k === "X" || k === "K";
    boxes[k] = h(lines ? "textarea" : "input", { type: !lines && "text", rows: lines && 6, spellcheck: "false",
      "aria-label": k, onchange: applyEditors });
    fields.push(field(label, boxes[k], lines ? "cvs-col" : ""));
  }
  const error = h("p", { class: "cvs-err", role: "alert" });
  const edit = h("details", "cvs-edit",
    h("summary", {}, "Your own numbers: edit X, K, bias, padding, stride"),
    h("p", "cvs-hint", "Nested lists as in Python; a box applies when you leave it. Bias may be empty; " +
      "padding and stride take one integer or two."),
    bar(...fields.slice(0, 2)), bar(...fields.slice(2), btn("Apply", applyEditors)));
  const keys = h("details", "cvs-keys", h("summary", {}, "Keys"),
    h("ul", "cvs-keylist", ...KEYS_HELP.map((k) => h("li", {}, k))),
    isPage ? h("a", { href: "using_this_book.html#stepper-keys" }, "All keys, in Using this book") : null);
  const link = h("a", { href: "#" }, "Link to this step");
  root.append(
    bar(btn("Previous step", () => stepTo(n - 1)), playBtn, btn("Next step", () => stepTo(n + 1)), slider, count,
      h("label", "cvs-field", "Granularity ", select), predictBtn, btn("Reset", reset), largeBtn, fullBtn),
    narr, breakdown, predictBox, error, fig, lookup, edit, h("div", "cvs-bar cvs-foot", keys, name ? link : null));
  el.append(root);

  // n: the step on show, from 0 (the model's is n + 1); cells: td by "x,ch,r,s", "k,o,ch,a,b",
  // "y,o,i,j"; ys: Y's cells in order; fills: [element, value(X, K, bias)].
  let data = null, trace = null, n = 0, timer = null, cells, ys, fills, shapeKey;
  let predict = null;   // {pending, right, done} in predict mode
  const last = () => trace.steps.length - 1;
  const at = (...key) => cells.get(key.join());
  const kName = (o, ch) => `K[${trace.check.multiOut ? o + "," : ""}${ch}]`;
  const has = (cls) => root.classList.contains(cls);
  const isFull = () => document.fullscreenElement === root;

  // A table, built once per shape (an edit changes the texts), with hidden row and column
  // headers from (r0, c0), negative in X's padding; with cells to look up, a grid.
  function table(label, rowsN, colsN, make, r0 = 0, c0 = 0) {
    const head = (scope, text) => h("th", { class: "cvs-sr", scope }, text);
    const t = h("table", { class: "cvs-m", "aria-label": label },
      h("tr", {}, h("td", { class: "cvs-sr", role: "none" }), ...range(colsN).map((b) => head("col", "column " + (b + c0)))),
      ...range(rowsN).map((a) => h("tr", {}, head("row", "row " + (a + r0)), ...range(colsN).map((b) => make(a, b)))));
    const first = t.querySelector("td[data-look]");
    if (first) {
      t.setAttribute("role", "grid");
      first.tabIndex = 0;
    }
    return h("div", {}, h("div", { class: "cvs-title", "aria-hidden": "true" }, label), t);
  }
  // A cell, kept under its key; `look`: clicking it looks it up.
  const td = (cls, look, ...key) => {
    const e = h("td", { class: "cvs-c cvs-" + cls, "data-look": look && key.join(), tabindex: look && -1 });
    cells.set(key.join(), e);
    return e;
  };
  const part = (fig, title, mats) => fig.replaceChildren(h("div", "cvs-part-title", title), h("div", "cvs-mats", ...mats));

  function makeGrids(c) {
    const [pH, pW] = c.pad, [h0, w0] = c.xShape.slice(1);
    cells = new Map();
    fills = [];
    const fill = (e, value) => { fills.push([e, value]); return e; };
    part(figX, `Input X ${shapeText(c.xShape)}${pH || pW ? `, padding ${pairText(c.pad)} (dashed zeros)` : ""}`,
      range(c.cI).map((ch) => table(`X[${ch}]`, h0 + 2 * pH, w0 + 2 * pW, (a, b) => {
        const r = a - pH, s = b - pW, inside = r >= 0 && r < h0 && s >= 0 && s < w0;
        const e = td(inside ? "x" : "pad", inside, "x", ch, r, s);
        if (inside) { fill(e, (X) => X[ch][r][s]); } else { e.textContent = "0"; }
        return e;
      }, -pH, -pW)));
    part(figK, "Kernels K " + shapeText(c.kShape), range(c.cO).map((o) => h("div", "cvs-kgroup",
      ...range(c.cI).map((ch) => table(kName(o, ch), c.kH, c.kW, (a, b) => fill(td("k", false, "k", o, ch, a, b), (X, K) => K[o][ch][a][b]))),
      trace.bias && h("div", {}, h("div", "cvs-title", "bias"),
        h("div", "cvs-c cvs-k cvs-bias-v", `b[${o}] = `, fill(h("span"), (X, K, bias) => bias[o]))))));
    part(figY, "Output Y " + shapeText(c.multiOut ? [c.cO, c.hO, c.wO] : [c.hO, c.wO]),
      range(c.cO).map((o) => table(c.multiOut ? `Y[${o}]` : "Y", c.hO, c.wO, (i, j) => td("y", true, "y", o, i, j))));
    ys = [...figY.querySelectorAll("td.cvs-y")];
  }

  function build() {
    const c = trace.check;
    const key = JSON.stringify([c.xShape, c.kShape, c.pad, c.hO, c.wO, !trace.bias]);
    clearLookup();
    if (key !== shapeKey) {
      shapeKey = key;
      makeGrids(c);
    }
    const K = c.multiOut ? data.K : [data.K];
    // Texts changed in place: cheaper to lay out than new nodes.
    for (const [e, value] of fills) {
      const text = numberText(value(data.X, K, trace.bias)), t = e.firstChild;
      if (!t) { e.append(text); } else if (t.data !== text) { t.data = text; }
    }
    requestAnimationFrame(fit);
  }

  function show(index) {
    const steps = trace.steps, c = trace.check, finals = trace.output.flat(2);
    n = Math.max(0, Math.min(last(), index));
    const s = steps[n], pending = predict?.pending;
    for (const e of fig.querySelectorAll(".cvs-read, .cvs-win")) { e.classList.remove("cvs-read", "cvs-win"); }
    // The window on each channel: all read, but for one cell per product.
    const one = s.granularity === "product" && s.products[0];
    for (const ch of s.channels) {
      s.rows.forEach((r, a) => s.cols.forEach((col, b) => {
        const cls = !one || (r === one.row && col === one.col) ? "cvs-read" : "cvs-win";
        at("x", ch, r, col).classList.add(cls);
        at("k", s.out_channel, ch, a, b).classList.add(cls);
      }));
    }
    // Output elements before this one are done, the ones after it not reached.
    const flat = (s.out_channel * c.hO + s.out_row) * c.wO + s.out_col;
    const now = pending ? "?" : numberText(s.running_total);
    ys.forEach((e, f) => {
      const [text, state] = f < flat ? [numberText(finals[f]), "cvs-done"] : f > flat ? ["", "cvs-todo"] : [now, "cvs-now"];
      if (e.textContent !== text) { e.textContent = text; }
      for (const cls of ["cvs-done", "cvs-now", "cvs-todo"]) { e.classList.toggle(cls, cls === state); }
      e.setAttribute("aria-label", text || "not computed yet");
    });
    count.textContent = `Step ${n + 1} of ${steps.length}`;
    slider.max = steps.length;
    slider.value = n + 1;
    narr.textContent = pending ? promptText(s) : narration(s);
    drawBreakdown(s, pending);
    if (predict) {
      guessQ.textContent = "Your prediction for " + s.output_label;
      guessInput.setAttribute("aria-label", guessQ.textContent);
      for (const e of [guessInput, checkBtn, revealBtn]) { e.disabled = !pending; }
      score.textContent = `${n === last() && !pending ? "Finished" : "Score"}: ${predict.right} of ${predict.done} right`;
    }
  }

  function promptText(s) {
    const q = s.products[0], g = s.granularity;
    const what = !q ? "the bias" : g === "element" ? "up every channel"
      : g === "channel" ? "channel " + q.channel : `X[${q.channel},${q.row},${q.col}] × its weight`;
    return `Predict: what is ${s.output_label} after adding ${what}? Type it below.`;
  }

  // Each input channel's sum so far for this output element, with bars to one scale.
  function drawBreakdown(s, pending) {
    const steps = trace.steps, mine = steps.filter((t) => same(t, s));
    const sums = [];
    for (const t of mine.slice(0, n - steps.indexOf(mine[0]) + (pending ? 0 : 1))) {
      t.channels.forEach((ch, q) => { sums[ch] = t.channel_sums[q]; });
    }
    const done = s.finishes_element && !pending, b = trace.bias?.[s.out_channel] ?? null;
    const scale = Math.max(1e-300, Math.abs(b), ...mine.flatMap((t) => [...t.channel_sums, t.running_total].map(Math.abs)));
    const row = (label, value, cls) => h("li", cls, h("span", {}, label),
      h("span", { class: "cvs-bar-track", "aria-hidden": "true" }, h("span", {
        class: "cvs-bar-fill" + (value < 0 ? " cvs-neg" : ""),
        style: `width:${Math.round(100 * Math.abs(value ?? 0) / scale)}%` })),
      h("span", "cvs-b-val", value == null ? "…" : numberText(value)));
    breakdown.replaceChildren(
      h("p", "cvs-b-title", `${s.output_label} by input channel (${done ? "finished" : "so far"}):`),
      h("ul", "cvs-b-list", ...range(trace.check.cI).map((ch) => row("channel " + ch, sums[ch])),
        b === null ? null : row("bias", done ? b : null), row("sum", pending ? null : s.running_total, "cvs-sum")));
  }

  function setStep(index, fromUser) {
    show(index);
    if (model.get("step") !== n + 1) {
      model.set("step", n + 1);
      model.save_changes();
    }
    updateLink(fromUser);
  }

  // The link to this step; after a move by the reader, the page's address too.
  function updateLink(moved) {
    if (!name) { return; }
    const hash = `#${name}/step-${n + 1}`;
    link.setAttribute("href", hash);
    if (moved && location.hash !== hash) {
      try { history.replaceState(history.state, "", hash); } catch { /* file:// in some browsers */ }
    }
  }

  // The model's data and step if valid (Python checks alike), else why not; `edit`: its trace,
  // `typed` if from the boxes (their text stays).
  function syncFromModel(edit, typed) {
    const next = pick((k) => model.get(k)), want = (model.get("step") || 1) - 1;
    if (edit || data === null || !sameData(next, data)) {
      try { trace = edit || traceSteps(next); } catch (err) { showError(err); return; }
      data = next;
      build();
      if (!typed) { for (const [k, [, write]] of Object.entries(EDITS)) { boxes[k].value = write(data[k]); } }
      select.value = data.granularity;
      clearError();
      if (predict) { startPredict(); }
    } else if (want === n) { return; }
    show(want);
    updateLink(!!edit);
  }

  let queued = false;
  const queueSync = () => {
    if (!queued) { queued = true; queueMicrotask(() => { queued = false; syncFromModel(); }); }
  };
  for (const k of [...DATA_KEYS, "step"]) {
    model.on("change:" + k, queueSync);
    cleanups.push(() => model.off("change:" + k, queueSync));
  }

  // A valid edit goes to the model with the step (from `first(t)`), in one message.
  function apply(candidate, first = () => 0, typed) {
    let t;
    try { t = traceSteps(candidate); } catch (err) { showError(err, Object.values(boxes)); return; }
    setPlaying(false);
    for (const k of DATA_KEYS) { model.set(k, candidate[k]); }
    model.set("step", Math.max(0, first(t)) + 1);
    model.save_changes();
    syncFromModel(t, typed);
  }

  function showError(err, fields = []) {
    if (!(err instanceof StepperError)) { throw err; }
    error.textContent = `Not applied: ${err.message}. The last valid numbers stay.`;
    for (const f of fields) { f.setAttribute("aria-invalid", "true"); }
  }
  function clearError() {
    error.textContent = "";
    for (const f of Object.values(boxes)) { f.removeAttribute("aria-invalid"); }
  }

  function applyEditors() {
    const candidate = { ...data, granularity: select.value };
    for (const [k, [, , read]] of Object.entries(EDITS)) {
      try { candidate[k] = read(boxes[k].value.trim()); } catch (err) { showError(err, [boxes[k]]); return; }
    }
    if (sameData(candidate, data)) { clearError(); } else { apply(candidate, () => 0, true); }
  }
  // A new granularity: the same output element, from its first step.
  function regranulate() {
    apply({ ...data, granularity: select.value }, (t) => t.steps.findIndex((x) => same(x, trace.steps[n])));
  }
  // The example the stepper was made with, from its first step.
  function reset() {
    const example = model.get("example");
    apply(example ? pick((k) => example[k]) : data);
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
  // In predict mode the next step asks for a new prediction once the last is answered (a
  // `jump`, by End or the slider, drops an unanswered one); any other move asks none.
  function stepTo(i, jump) {
    setPlaying(false);
    if (predict) {
      const ask = i === n + 1 && n < last();
      if (ask && predict.pending && !jump) {
        guessInput.focus();
        say("Type your prediction first, or press Reveal.");
        return;
      }
      if (ask) { say(""); }
      predict.pending = ask;
    }
    setStep(i, true);
  }

  function startPredict() {
    predict = { pending: true, right: 0, done: 0 };
    say("");
  }
  // Right or revealed shows the value; wrong gives the products as a hint.
  function answer(reveal) {
    if (!predict?.pending) { return; }
    const s = trace.steps[n], v = s.running_total, value = numberText(v);
    const text = guessInput.value.trim(), guess = Number(text);
    if (!reveal && !NUMBER.test(text)) { say("Type a number, for example 19 or -2.5."); return; }
    const right = !reveal && (numberText(guess) === value || Math.abs(guess - v) <= 1e-9 * Math.max(1, Math.abs(v)));
    if (reveal || right) {
      predict.right += right;
      predict.done += 1;
      predict.pending = false;
      say(`${right ? "Right" : "Revealed"}: ${s.output_label} is ${value} after this step.`);
      guessInput.value = "";
      show(n);
      return;
    }
    const before = n > 0 && same(trace.steps[n - 1], s) ? trace.steps[n - 1].running_total : 0;
    say(`Not ${numberText(guess)}. Hint: the total so far is ${numberText(before)}; this step adds ` +
      (s.channels.length ? productsText(s) : "the bias " + fmt(s.partial_sum)) + ". Try again, or press Reveal.");
  }
  function togglePredict() {
    setPlaying(false);
    predictBtn.setAttribute("aria-pressed", !predict);
    playBtn.disabled = !predict;
    predictBox.hidden = !!predict;
    if (predict) {
      predict = null;
      show(n);
      return;
    }
    startPredict();
    setStep(0, true);
    guessInput.focus();
  }

  function clearLookup() {
    for (const e of fig.querySelectorAll(".cvs-hit")) { e.classList.remove("cvs-hit"); e.removeAttribute("aria-selected"); }
    lookup.textContent = "";
  }
  // An X cell: the outputs that read it, with the weights; a Y cell: what it reads.
  function lookUp(cell) {
    const look = cell.dataset.look, [kind, A, B, C] = look.split(","), readers = [];
    let found;
    clearLookup();
    cell.classList.add("cvs-hit");
    cell.setAttribute("aria-selected", "true");
    for (const s of trace.steps) {
      for (const q of s.products) {
        const key = kind === "x" ? [q.channel, q.row, q.col] : [s.out_channel, s.out_row, s.out_col];
        if ([kind, ...key].join() !== look) { continue; }
        const k = at("k", s.out_channel, q.channel, q.k_row, q.k_col);
        found = s;
        for (const e of [at("y", s.out_channel, s.out_row, s.out_col), at("x", q.channel, q.row, q.col), k]) { e.classList.add("cvs-hit"); }
        readers.push(`${s.output_label} (× ${kName(s.out_channel, q.channel)}[${q.k_row},${q.k_col}] = ${k.textContent})`);
      }
    }
    const r = readers.length, few = readers.slice(0, 12).join(", ") + (r > 12 ? `, and ${r - 12} more` : "");
    let text = `X[${A},${B},${C}] = ${cell.textContent} is read by ` +
      (r ? `${r} output element${r > 1 ? "s" : ""}: ${few}` : "no output element (the stride skips it)");
    if (kind === "y") {
      text = `${found.output_label} = ${numberText(trace.output[A][B][C])} reads rows ${found.rows[0]} to ${found.rows.at(-1)} ` +
        `and columns ${found.cols[0]} to ${found.cols.at(-1)} of every input channel, with ` +
        range(trace.check.cI).map((ch) => kName(A, ch)).join(", ") + (trace.bias ? ` and bias b[${A}]` : "");
    }
    lookup.textContent = text + ". Esc clears.";
  }
  // Arrow keys move between the cells of a grid (one Tab stop).
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
    const on = has("cvs-large") || isFull();
    root.classList.toggle("cvs-wide", on);
    fig.style.fontSize = "";
    if (!on || !fig.scrollWidth) { return; }
    const top = fig.getBoundingClientRect().top - root.getBoundingClientRect().top;
    const scale = Math.max(1, Math.min(3.5, (root.clientWidth - 24) / fig.scrollWidth,
      (root.clientHeight - top - 8) / fig.scrollHeight));
    fig.style.fontSize = scale.toFixed(3) + "em";
  }
  function setLarge(on) {
    // Out of any box that would hold a fixed one (JupyterLab's panel), back afterwards.
    const focused = document.activeElement;
    (on ? document.body : el).append(root);
    if (root.contains(focused)) { focused.focus(); }
    root.classList.toggle("cvs-large", on);
    largeBtn.setAttribute("aria-pressed", on);
    fit();
  }

  listen(document, "fullscreenchange", () => {
    fullBtn.setAttribute("aria-pressed", isFull());
    fit();
  });
  listen(window, "resize", fit);
  const MOVES = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
  function onKey(ev) {
    const t = ev.target, tag = t.tagName, key = ev.key, cell = tag === "TD" && t.dataset.look;
    if (key === "Escape") {
      if (lookup.textContent) { clearLookup(); } else if (has("cvs-large")) { setLarge(false); } else { return; }
    } else if (cell && (key === "Enter" || key === " ")) {
      lookUp(t);
    } else if (cell && key.startsWith("Arrow")) {
      moveInGrid(t, key);
    } else if (/^(INPUT|SELECT|TEXTAREA|TD|SUMMARY|A)$/.test(tag) || (tag === "BUTTON" && (key === " " || key === "Enter"))) {
      // These have their own keys; buttons click on Space and Enter.
      return;
    } else if (Object.hasOwn(MOVES, key)) {
      stepTo(Math.max(0, Math.min(last(), n + MOVES[key])), key === "End");
    } else if (key === " ") {
      setPlaying(!timer);
    } else {
      return;
    }
    ev.preventDefault();
  }

  // page.html#NAME/step-5 opens this stepper at step 5. JupyterLab drops the fragment before
  // the first render, so then the address the page was opened with counts.
  function followHash(atRender) {
    const opened = atRender === true && performance.getEntriesByType?.("navigation")[0]?.name;
    const hash = location.hash || (opened ? new URL(opened).hash : "");
    const m = /^#([^/]+)\/step-(\d+)$/.exec(decodeURIComponent(hash));
    if (m?.[1] !== name) { return; }
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
