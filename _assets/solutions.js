// Solutions that open from their title and close from their end; scroll boxes a keyboard
// can reach. Loaded deferred (_config.yml, html_js_files), after sphinx-togglebutton.
//
// sphinx-exercise writes a solution as <div class="solution dropdown admonition"> whose title
// is "Solution to <a href="#ex-...">Exercise N</a>"; sphinx-togglebutton hides its body and
// adds a chevron button to the title. Its title handler only knows clicks on the title itself
// or the chevron: a click on the link jumped up the page (leaving the solution closed) and a
// click on the chevron's <path> threw an error. Here every click in the title toggles.
"use strict";

(() => {
  const toggle = (solution) => {
    const button = solution.querySelector(":scope > .admonition-title .toggle-button");
    if (!button) return null;
    requestAnimationFrame(() => markScrollers());
    // sphinx-togglebutton's own toggleHidden keeps its classes and aria-expanded in step
    if (typeof window.toggleHidden === "function") {
      window.toggleHidden(button);
    } else {
      solution.classList.toggle("toggle-hidden");
      button.setAttribute("aria-expanded", String(!solution.classList.contains("toggle-hidden")));
    }
    return button;
  };

  const setUpSolution = (solution) => {
    const title = solution.querySelector(":scope > .admonition-title");
    const button = title && title.querySelector(".toggle-button");
    if (!title || !button || solution.dataset.cuSolution) return;
    solution.dataset.cuSolution = "1";

    // The exercise's name becomes plain text in the title; its link moves to the end bar.
    const link = title.querySelector("a.reference");
    let exerciseHref = null;
    let exerciseName = "";
    if (link) {
      exerciseHref = link.getAttribute("href");
      exerciseName = link.textContent.trim();
      const name = document.createElement("span");
      name.className = "cu-exercise-name";
      name.textContent = link.textContent;
      link.replaceWith(name);
    }
    button.setAttribute("aria-label", `Show or hide the solution to ${exerciseName || "the exercise"}`);

    // Capture: runs before sphinx-togglebutton's handler on the title, which is then skipped.
    title.addEventListener(
      "click",
      (event) => {
        event.preventDefault();
        event.stopImmediatePropagation();
        toggle(solution);
      },
      true,
    );

    const end = document.createElement("div");
    end.className = "cu-solution-end";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "cu-close-solution";
    close.textContent = "Close solution";
    close.setAttribute("aria-label", `Close the solution to ${exerciseName || "the exercise"}`);
    close.addEventListener("click", () => {
      const opener = toggle(solution);
      title.scrollIntoView({ block: "start" });
      if (opener) opener.focus({ preventScroll: true });
    });
    end.append(close);
    if (exerciseHref) {
      const back = document.createElement("a");
      back.className = "cu-back-to-exercise reference internal";
      back.href = exerciseHref;
      back.textContent = `Back to ${exerciseName}`;
      end.append(back);
    }
    solution.append(end);
  };

  // Boxes that scroll sideways (code, outputs, tables): reachable by Tab so a keyboard can
  // scroll them, and marked for the visible frame. (Formulas are split to fit the column.)
  const SCROLLERS =
    ".bd-content div.highlight pre, .bd-content div.cell_output .text_html, " +
    ".bd-content .pst-scrollable-table-container";
  // A box the browser skips for now (speed.css: content-visibility) has no width to read; its
  // content's first element says so without rendering it. It is marked when it is shown.
  const skipped = (box) =>
    box.firstElementChild !== null &&
    box.firstElementChild.checkVisibility?.({ contentVisibilityAuto: true }) === false;
  const markScrollers = () => {
    // Boxes in a closed solution or a closed <details> (hidden code) are skipped: reading
    // their width would make the browser render them now, for nothing.
    const boxes = [...document.querySelectorAll(SCROLLERS)].filter(
      (box) => !box.closest("details:not([open]), .toggle-hidden") && !skipped(box),
    );
    // Every width is read before any attribute is written: a write between two reads makes
    // the browser lay out the whole page again for the next read (on the exercises page,
    // 22 layouts of 13,000 elements on the first load).
    const extra = boxes.map((box) => box.scrollWidth - box.clientWidth);
    boxes.forEach((box, i) => {
      // The frame for a box that really scrolls; a Tab stop for one that scrolls at all, even
      // by a pixel of rounding (the theme and axe count that too).
      const framed = extra[i] > 1;
      if (framed !== box.hasAttribute("data-cu-scroll")) {
        box.toggleAttribute("data-cu-scroll", framed);
      }
      // The theme's own pass gives a box it saw skipped tabindex -1.
      if (extra[i] > 0 && box.getAttribute("tabindex") !== "0") {
        box.setAttribute("tabindex", "0");
        box.dataset.cuTab = "";
      } else if (extra[i] <= 0 && "cuTab" in box.dataset) {
        box.removeAttribute("tabindex");
        delete box.dataset.cuTab;
      }
    });
  };

  let pending = 0;
  const markSoon = () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(markScrollers);
  };

  const start = () => {
    document.querySelectorAll(".bd-content div.solution.dropdown").forEach(setUpSolution);
    // Boxes are measured once the page is shown and the browser is idle, not in its first
    // frame: a callback of this script in that frame made Lighthouse count the frame's whole
    // layout and paint as this script's work, after the first paint.
    (window.requestIdleCallback || setTimeout)(watch, { timeout: 500 });
  };

  const watch = () => {
    markSoon();
    // Widths change with the window, the sidebars, opened solutions and late fonts: mark
    // again whenever a box or the article changes size.
    const observer = "ResizeObserver" in window ? new ResizeObserver(markSoon) : null;
    if (observer) {
      document.querySelectorAll(SCROLLERS).forEach((box) => observer.observe(box));
      const article = document.querySelector(".bd-article");
      if (article) observer.observe(article);
    }
    window.addEventListener("resize", markSoon);
    window.addEventListener("load", markSoon);
    // A skipped box shown or skipped again (the event does not bubble: caught on the way down).
    document.addEventListener("contentvisibilityautostatechange", markSoon, true);
    document.addEventListener("click", markSoon);
  };

  // sphinx-togglebutton adds its buttons on DOMContentLoaded; run after it.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => setTimeout(start, 0));
  } else {
    setTimeout(start, 0);
  }
})();
