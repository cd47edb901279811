// What the pages used of the theme's bootstrap.js (Bootstrap 5 with Popper, 81 KB), which
// _templates/layout.html no longer loads: the article header's two menus (Launch, Download),
// the buttons' hover labels, and the back-to-top button; and the header buttons' focus.
// Bootstrap took about 40 ms to parse and run on every page (four times that on Lighthouse's
// phone), and at load it read the header's position before the page was laid out, so it paid
// for the page's first layout.
// The menus keep Bootstrap's classes, so the theme's style sheet still draws them.
(() => {
  "use strict";
  const TOGGLE = '[data-bs-toggle="dropdown"]';
  let open = null; // the button of the open menu

  const menuOf = (button) => button.parentElement.querySelector(".dropdown-menu");

  function close(focusButton) {
    if (!open) { return; }
    const button = open;
    open = null;
    button.setAttribute("aria-expanded", "false");
    button.classList.remove("show");
    menuOf(button).classList.remove("show");
    if (focusButton) { button.focus(); }
  }

  function show(button) {
    close(false);
    const menu = menuOf(button);
    open = button;
    button.setAttribute("aria-expanded", "true");
    button.classList.add("show");
    // Bootstrap's CSS puts a menu under its button when Popper does not place it ("static");
    // here it starts at the button's left edge and is moved to stay inside the window.
    menu.setAttribute("data-bs-popper", "static");
    menu.style.left = "0px";
    menu.classList.add("show");
    const b = button.getBoundingClientRect(), m = menu.getBoundingClientRect();
    const room = document.documentElement.clientWidth - 4;
    let dx = b.left - m.left;
    dx += Math.min(0, room - (m.right + dx));
    dx += Math.max(0, 4 - (m.left + dx));
    menu.style.left = `${dx}px`;
  }

  // As Bootstrap's default: a click on the button toggles its menu, any other click closes it
  // (after a link or button in the menu has done its work).
  document.addEventListener("click", (ev) => {
    const button = ev.target.closest(TOGGLE);
    if (button) {
      ev.preventDefault();
      if (open === button) { close(false); } else { show(button); }
    } else {
      close(false);
    }
  });

  document.addEventListener("keydown", (ev) => {
    const button = ev.target.closest?.(TOGGLE);
    const inMenu = open !== null && menuOf(open).contains(ev.target);
    if (!button && !inMenu) { return; }
    if (ev.key === "Escape") {
      if (!open) { return; }
      ev.preventDefault();
      close(true);
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      // Arrows open the menu from its button and move through its items.
      ev.preventDefault();
      const owner = button || open;
      if (open !== owner) { show(owner); }
      const items = [...menuOf(owner).querySelectorAll(".dropdown-item")];
      const at = items.indexOf(document.activeElement), down = ev.key === "ArrowDown";
      const next = at < 0 ? (down ? 0 : items.length - 1) : at + (down ? 1 : -1);
      items[Math.max(0, Math.min(items.length - 1, next))]?.focus();
    }
  });

  // Tab out of a menu closes it.
  document.addEventListener("focusin", (ev) => {
    if (open && ev.target !== open && !menuOf(open).contains(ev.target)) { close(false); }
  });

  // sphinx-book-theme's script blurs the colour-mode, search and sidebar buttons on every
  // click, to drop Bootstrap's tooltip: a keyboard reader's focus fell to the page's start.
  // A click from the keyboard (detail 0) gives the focus back if nothing else took it.
  document.addEventListener("click", (ev) => {
    const button = ev.detail === 0 && ev.target.closest?.(
      ".theme-switch-button, .search-button, .primary-toggle, .secondary-toggle");
    if (!button) { return; }
    setTimeout(() => {
      if (document.activeElement === document.body && button.isConnected) {
        button.focus({ preventScroll: true });
      }
    });
  }, true);

  function start() {
    // Hover labels: the browser's own, from the label the theme gave Bootstrap's tooltip.
    for (const el of document.querySelectorAll('[data-bs-toggle="tooltip"][data-bs-title]')) {
      if (!el.title) { el.title = el.dataset.bsTitle; }
    }
    // Back to top: shown while the reader scrolls up, below the header (the theme's rule).
    const back = document.getElementById("pst-back-to-top");
    if (!back) { return; }
    back.addEventListener("click", () => {
      document.documentElement.scrollTop = 0;
      document.body.scrollTop = 0;
    });
    // Not read now: reading scrollY at load would lay the page out before its first frame.
    let last = 0, headerBottom = null;
    window.addEventListener("scroll", () => {
      // Read at the first scroll, when the page has long been laid out (the theme read it
      // at load; the header stays at the window's top, so it reads the same).
      headerBottom ??= document.querySelector(".bd-header")?.getBoundingClientRect().bottom ?? 0;
      back.style.display = last > window.scrollY && window.scrollY > headerBottom ? "block" : "none";
      last = window.scrollY;
    }, { passive: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
