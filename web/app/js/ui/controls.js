// controls: the meeting's button bar. Each toggle is a <button> with aria-pressed
// and an aria-label that says what pressing it does.

import { t } from "../i18n.js";
import { setIcon, icon } from "./icons.js";

export class Controls {
  /** @param {object} o the buttons (mic, cam, share, chat, people, leave, link) and
   *  handlers (onMic, onCam, onShare, onChat, onPeople, onLeave, onLink) */
  constructor(o) {
    this.b = o;
    o.mic.addEventListener("click", () => o.onMic());
    o.cam.addEventListener("click", () => o.onCam());
    o.share.addEventListener("click", () => o.onShare());
    o.chat.addEventListener("click", () => o.onChat());
    o.people.addEventListener("click", () => o.onPeople());
    o.leave.addEventListener("click", () => o.onLeave());
    o.link.addEventListener("click", () => o.onLink());
    setIcon(o.chat, "chat");
    setIcon(o.people, "people");
    setIcon(o.leave, "leave");
    o.link.replaceChildren(icon("link"));
    o.chat.setAttribute("aria-label", t("controls.chat"));
    o.people.setAttribute("aria-label", t("controls.people"));
    o.leave.setAttribute("aria-label", t("controls.leave"));
    o.link.setAttribute("aria-label", t("controls.copyLink"));
    for (const k of ["chat", "people", "leave", "link"]) o[k].title = o[k].getAttribute("aria-label");
    if (!navigator.mediaDevices?.getDisplayMedia) o.share.hidden = true;
    this.setMic(false);
    this.setCam(false);
    this.setSharing(false);
  }

  /** setMic shows whether the microphone is on. */
  setMic(on) {
    this.toggle(this.b.mic, on, "mic", on ? "controls.micOff" : "controls.micOn");
  }

  setCam(on) {
    this.toggle(this.b.cam, on, "cam", on ? "controls.camOff" : "controls.camOn");
  }

  setSharing(on) {
    const b = this.b.share;
    setIcon(b, "screen");
    b.setAttribute("aria-pressed", String(on));
    b.classList.toggle("active", on);
    b.setAttribute("aria-label", t(on ? "controls.shareStop" : "controls.shareStart"));
    b.title = b.getAttribute("aria-label");
  }

  setPanel(which) {
    this.b.chat.setAttribute("aria-pressed", String(which === "chat"));
    this.b.people.setAttribute("aria-pressed", String(which === "people"));
  }

  /** setWaiting shows how many guests wait in the lobby (room admins only). */
  setWaiting(n) {
    const badge = this.b.peopleBadge;
    if (badge) {
      badge.hidden = n === 0;
      badge.textContent = n > 9 ? "9+" : String(n);
    }
    const label = n > 0 ? t("controls.peopleWaiting", { count: n }) : t("controls.people");
    this.b.people.setAttribute("aria-label", label);
    this.b.people.title = label;
  }

  setUnread(n) {
    const badge = this.b.badge;
    badge.hidden = n === 0;
    badge.textContent = n > 9 ? "9+" : String(n);
  }

  // A mic/camera button is "pressed" when the device is ON; the label names the action.
  toggle(b, on, name, key) {
    setIcon(b, name, !on);
    b.setAttribute("aria-pressed", String(on));
    b.classList.toggle("off", !on);
    b.setAttribute("aria-label", t(key));
    b.title = t(key);
  }
}
