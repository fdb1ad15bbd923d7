// participants: the list of people in the meeting, with their microphone and camera
// state.

import { t } from "../i18n.js";
import { icon, initials, hueFor } from "./icons.js";

export class Participants {
  constructor({ panel, list, heading }) {
    this.panel = panel;
    this.list = list;
    this.heading = heading;
  }

  get open() {
    return !this.panel.hidden;
  }

  setOpen(open) {
    this.panel.hidden = !open;
    if (open) this.panel.querySelector("button")?.focus();
  }

  /** render shows people: [{sid, name, local, micMuted, camMuted, caller}];
   * caller is callerMark's { icon, label } for a SIP participant. */
  render(people) {
    this.heading.textContent = t("people.heading", { count: people.length });
    this.list.replaceChildren(
      ...people.map((p) => {
        const li = document.createElement("li");
        li.className = "person";
        li.dataset.sid = p.sid;
        const av = document.createElement("span");
        av.className = "avatar avatar-small";
        av.setAttribute("aria-hidden", "true");
        av.textContent = initials(p.name);
        av.style.setProperty("--hue", String(hueFor(p.name)));
        const name = document.createElement("span");
        name.className = "person-name";
        name.textContent = p.local ? t("meeting.you", { name: p.name }) : p.name;
        if (p.caller) li.append(mark(p.caller.icon, p.caller.label, { off: false, className: "mark-caller" }));
        li.append(av, name);
        if (p.micMuted) li.append(mark("mic", "tile.micMuted"));
        if (p.camMuted) li.append(mark("cam", "tile.camMuted"));
        return li;
      }),
    );
  }
}

/** mark is a small labelled icon; off (the default) slashes it, for a muted device. */
function mark(name, key, { off = true, className = "" } = {}) {
  const span = document.createElement("span");
  span.className = className ? `mark ${className}` : "mark";
  span.setAttribute("role", "img");
  span.setAttribute("aria-label", t(key));
  span.append(icon(name, off));
  return span;
}
