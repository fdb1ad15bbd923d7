// banner: one line at the top of the screen for what the user must know now
// (reconnecting, someone joined, an error). It is a polite live region, so screen
// readers announce it; a sticky message stays until cleared, others fade.

export class Banner {
  constructor(el) {
    this.el = el;
    this.timer = 0;
    this.sticky = "";
  }

  /** show displays text; kind is "info", "warn" or "error"; ms = 0 keeps it. */
  show(text, { kind = "info", ms = 4000, id = "" } = {}) {
    clearTimeout(this.timer);
    this.el.textContent = text;
    this.el.dataset.kind = kind;
    this.el.dataset.id = id;
    this.el.classList.add("shown");
    this.sticky = ms === 0 ? id || text : "";
    if (ms > 0) this.timer = setTimeout(() => this.hide(), ms);
  }

  /** hide clears the banner, or only the sticky message id when given. */
  hide(id) {
    if (id && this.el.dataset.id !== id) return;
    clearTimeout(this.timer);
    this.sticky = "";
    this.el.classList.remove("shown");
    this.el.textContent = "";
    this.el.dataset.id = "";
  }
}
