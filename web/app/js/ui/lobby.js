// lobby: what a room admin sees of the room's waiting room. Guests waiting to be let
// in are listed in the participant panel, each with Admit and Refuse buttons; a
// notice over the meeting shows the newest knock with the same buttons, so that the
// host can decide without opening the panel. Only room admins hear knocks, so for
// everyone else this stays empty and hidden.

import { t } from "../i18n.js";
import { initials, hueFor } from "./icons.js";

export class Lobby {
  /**
   * @param {object} o section, heading, list (the panel's lobby part), notice (the
   *   knock notice), announce(text): says something in the live region;
   *   decide(identity, admit): Promise; onShowAll(): opens the participant panel
   */
  constructor(o) {
    this.section = o.section;
    this.heading = o.heading;
    this.list = o.list;
    this.notice = o.notice;
    this.announce = o.announce;
    this.decide = o.decide;
    this.onShowAll = o.onShowAll;
    this.guests = [];
    this.pending = new Set(); // identities whose decision is on its way
    this.panelOpen = false;
  }

  /** update shows who waits now; knocked is a guest who just knocked (announced). */
  update(guests, knocked) {
    this.guests = guests;
    this.render();
    if (knocked) this.announce(t("lobby.knock", { name: guestName(knocked) }));
  }

  hasFocus() {
    const a = document.activeElement;
    return !!a && (this.section.contains(a) || this.notice.contains(a));
  }

  /** setPanelOpen hides the notice while the panel (with the full list) is open. */
  setPanelOpen(open) {
    this.panelOpen = open;
    this.renderNotice();
  }

  /** render redraws the list and the notice. The focus stays on the same button when
   * its guest still waits; when the guest is gone (decided), it moves to the next
   * guest's button, or to the list's heading, instead of falling to the page. */
  render() {
    const a = document.activeElement;
    const focused = this.hasFocus() && a.dataset.identity ? { identity: a.dataset.identity, admit: a.classList.contains("lobby-admit"), inNotice: this.notice.contains(a) } : null;
    const hadFocus = this.hasFocus();
    this.draw();
    if (!hadFocus || this.hasFocus()) return;
    const root = focused?.inNotice && !this.notice.hidden ? this.notice : this.list;
    const same = focused && root.querySelector(`button.${focused.admit ? "lobby-admit" : "lobby-refuse"}[data-identity="${CSS.escape(focused.identity)}"]`);
    const next = same || root.querySelector("button");
    if (next) next.focus();
    else if (!this.section.hidden) this.heading.focus();
  }

  draw() {
    const n = this.guests.length;
    this.section.hidden = n === 0;
    this.heading.textContent = t("lobby.listHeading", { count: n });
    this.list.replaceChildren(...this.guests.map((g) => this.row(g)));
    this.renderNotice();
  }

  row(g) {
    const li = document.createElement("li");
    li.className = "person lobby-guest";
    li.dataset.identity = g.identity;
    const av = document.createElement("span");
    av.className = "avatar avatar-small";
    av.setAttribute("aria-hidden", "true");
    av.textContent = initials(guestName(g));
    av.style.setProperty("--hue", String(hueFor(guestName(g))));
    const name = document.createElement("span");
    name.className = "person-name";
    name.textContent = guestName(g);
    li.append(av, name, ...this.buttons(g));
    return li;
  }

  renderNotice() {
    const newest = this.guests[this.guests.length - 1];
    if (!newest || this.panelOpen) {
      this.notice.hidden = true;
      this.notice.replaceChildren();
      return;
    }
    const text = document.createElement("p");
    text.className = "lobby-notice-text";
    text.textContent =
      this.guests.length === 1
        ? t("lobby.waitingOne", { name: guestName(newest) })
        : t("lobby.waitingMany", { name: guestName(newest), count: this.guests.length - 1 });
    const row = document.createElement("div");
    row.className = "row";
    row.append(...this.buttons(newest));
    if (this.guests.length > 1) {
      const all = document.createElement("button");
      all.type = "button";
      all.className = "btn btn-small lobby-all";
      all.textContent = t("lobby.showAll");
      all.addEventListener("click", () => this.onShowAll());
      row.append(all);
    }
    this.notice.replaceChildren(text, row);
    this.notice.hidden = false;
  }

  buttons(g) {
    const name = guestName(g);
    const make = (cls, label, aria, admit) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `btn btn-small ${cls}`;
      b.textContent = t(label);
      b.setAttribute("aria-label", t(aria, { name }));
      b.dataset.identity = g.identity;
      // aria-disabled rather than disabled: a disabled button loses the focus.
      if (this.pending.has(g.identity)) b.setAttribute("aria-disabled", "true");
      b.addEventListener("click", () => this.choose(g, admit));
      return b;
    };
    return [
      make("btn-primary lobby-admit", "lobby.admit", "lobby.admitName", true),
      make("lobby-refuse", "lobby.refuse", "lobby.refuseName", false),
    ];
  }

  async choose(g, admit) {
    if (this.pending.has(g.identity)) return;
    this.pending.add(g.identity);
    this.render();
    try {
      await this.decide(g.identity, admit);
      this.announce(t(admit ? "lobby.admitted" : "lobby.refusedByYou", { name: guestName(g) }));
    } catch (err) {
      this.announce(
        err?.code === "guest_not_waiting"
          ? t("lobby.gone", { name: guestName(g) })
          : t("lobby.failed", { name: guestName(g), code: err?.code || String(err) }),
      );
    } finally {
      this.pending.delete(g.identity);
      this.render();
    }
  }

  clear() {
    this.guests = [];
    this.pending.clear();
    this.render();
  }
}

function guestName(g) {
  return g.name || g.identity || "?";
}
