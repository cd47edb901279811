function (uid) {
  // The convutils static player. Every number and sentence it shows was computed in Python
  // and embedded as JSON; this code only switches classes and places those strings.
  "use strict";
  var root = document.getElementById(uid);
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script.cvs-data").textContent);
  var q = function (sel) { return root.querySelector(sel); };
  var slider = q(".cvs-range"), select = q(".cvs-sel"), narr = q(".cvs-narr");
  var prod = q(".cvs-prod"), kern = q(".cvs-kern"), count = q(".cvs-count");
  var playBtn = q('[data-a="play"]'), playLabel = q(".cvs-pl"), playIcon = q(".cvs-icon");
  var largeBtn = q('[data-a="large"]'), wrap = q(".cvs-figwrap");
  var figs = root.querySelectorAll("svg.cvs-fig");
  var cache = {};
  var frames = data.t[data.g], n = 0, marked = [], timer = null;

  function el(key) {
    if (!(key in cache)) { cache[key] = document.getElementById(uid + "-" + key); }
    return cache[key];
  }
  function show(i) {
    n = Math.max(0, Math.min(frames.length - 1, i));
    var f = frames[n], a, e;
    for (a = 0; a < marked.length; a++) { marked[a][0].classList.remove(marked[a][1]); }
    marked = [];
    for (a = 0; a < f.m.length; a++) {
      e = el(f.m[a][0]);
      if (e) { e.classList.add(f.m[a][1]); marked.push([e, f.m[a][1]]); }
    }
    // Output elements before the current one are finished, the ones after it not reached.
    for (a = 0; a < data.f.length; a++) {
      e = el("y" + a);
      e.classList.remove("d", "c");
      if (a < f.e) { e.classList.add("d"); }
      if (a === f.e) { e.classList.add("c"); }
      el("y" + a + "t").textContent = a < f.e ? data.f[a] : (a === f.e ? f.v : "");
    }
    narr.textContent = f.n;
    prod.textContent = f.p;
    kern.textContent = f.k;
    count.textContent = f.c;
    slider.max = String(frames.length - 1);
    slider.value = String(n);
    // The text above the figure may wrap differently at this step: refit the figure.
    if (root.classList.contains("cvs-wide")) { fit(); }
  }
  // Large view and full screen: size X, K and Y to the space under the text, in the
  // arrangement that draws them largest: side by side, stacked, or X beside K over Y. This
  // is page layout only (px of the drawing), no arithmetic of the correlation.
  function fit() {
    var wide = root.classList.contains("cvs-large") || document.fullscreenElement === root;
    var a;
    root.classList.toggle("cvs-wide", wide);
    for (a = 0; a < figs.length; a++) { figs[a].style.width = ""; figs[a].style.height = ""; }
    if (!wide) { return; }
    var css = getComputedStyle(wrap);
    var cg = parseFloat(css.columnGap) || 0, rg = parseFloat(css.rowGap) || 0;
    var W = wrap.clientWidth - 4, H = wrap.clientHeight - 4;
    var d = [];  // [width, height] of X, K and Y in drawing units
    for (a = 0; a < figs.length; a++) {
      d.push([figs[a].viewBox.baseVal.width, figs[a].viewBox.baseVal.height]);
    }
    var x = d[0], k = d[1], y = d[2];
    var options = [
      ["cvs-row", (W - 2 * cg) / (x[0] + k[0] + y[0]), H / Math.max(x[1], k[1], y[1])],
      ["cvs-col", W / Math.max(x[0], k[0], y[0]), (H - 2 * rg) / (x[1] + k[1] + y[1])],
      ["cvs-split", (W - cg) / (x[0] + Math.max(k[0], y[0])),
        (H - rg) / Math.max(x[1], k[1] + y[1])]
    ];
    var best = null, s;
    for (a = 0; a < options.length; a++) {
      s = Math.min(options[a][1], options[a][2]);
      if (best === null || s > best[1]) { best = [options[a][0], s]; }
    }
    s = Math.max(best[1], 0.5);
    for (a = 0; a < options.length; a++) {
      wrap.classList.toggle(options[a][0], options[a][0] === best[0]);
    }
    for (a = 0; a < figs.length; a++) {
      figs[a].style.width = d[a][0] * s + "px";
      figs[a].style.height = d[a][1] * s + "px";
    }
  }
  function setLarge(on) {
    root.classList.toggle("cvs-large", on);
    largeBtn.setAttribute("aria-pressed", on ? "true" : "false");
    fit();
  }
  function setPlaying(on) {
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (on) {
      if (n >= frames.length - 1) { show(0); }
      timer = setInterval(function () {
        if (n >= frames.length - 1) { setPlaying(false); } else { show(n + 1); }
      }, data.i);
    }
    playLabel.textContent = on ? "Pause" : "Play";
    playIcon.innerHTML = on ? "&#10074;&#10074;" : "&#9654;";
  }
  function step(i) { setPlaying(false); show(i); }

  // The server-side render shaded the first step; forget those classes before taking over.
  var pre = root.querySelectorAll(".cvs-fig .p, .cvs-fig .w, .cvs-fig .on");
  for (var k = 0; k < pre.length; k++) { pre[k].classList.remove("p", "w", "on"); }
  show(0);

  q('[data-a="prev"]').addEventListener("click", function () { step(n - 1); });
  q('[data-a="next"]').addEventListener("click", function () { step(n + 1); });
  playBtn.addEventListener("click", function () { setPlaying(timer === null); });
  slider.addEventListener("input", function () { step(parseInt(slider.value, 10)); });
  largeBtn.addEventListener("click", function () {
    setLarge(!root.classList.contains("cvs-large"));
  });
  window.addEventListener("resize", function () {
    if (root.classList.contains("cvs-wide")) { fit(); }
  });
  // Full screen for a projector: the figure then fills the screen (see player.css).
  var fullBtn = q('[data-a="full"]');
  if (!root.requestFullscreen) { fullBtn.hidden = true; }
  fullBtn.addEventListener("click", function () {
    if (document.fullscreenElement === root) { document.exitFullscreen(); }
    else { root.requestFullscreen().catch(function () { fullBtn.hidden = true; }); }
  });
  document.addEventListener("fullscreenchange", function () {
    fullBtn.setAttribute("aria-pressed", document.fullscreenElement === root ? "true" : "false");
    fit();
  });
  select.addEventListener("change", function () {
    // Stay on the same output element when the granularity changes.
    var element = frames[n].e;
    frames = data.t[select.value];
    var target = 0;
    for (var a = 0; a < frames.length; a++) { if (frames[a].e === element) { target = a; break; } }
    step(target);
  });
  root.addEventListener("keydown", function (ev) {
    var tag = ev.target.tagName;
    // Escape leaves the large view from anywhere in the player, the slider included.
    if (ev.key === "Escape" && root.classList.contains("cvs-large")) {
      setLarge(false);
      ev.preventDefault();
      return;
    }
    // The slider and the list handle their own keys; buttons click on Space and Enter.
    if (tag === "INPUT" || tag === "SELECT") { return; }
    if (tag === "BUTTON" && (ev.key === " " || ev.key === "Enter")) { return; }
    if (ev.key === "ArrowRight") { step(n + 1); }
    else if (ev.key === "ArrowLeft") { step(n - 1); }
    else if (ev.key === "Home") { step(0); }
    else if (ev.key === "End") { step(frames.length - 1); }
    else if (ev.key === " " || ev.key === "Spacebar") { setPlaying(timer === null); }
    else { return; }
    ev.preventDefault();
  });
}
