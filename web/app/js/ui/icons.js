// icons: small SVG icons drawn from basic shapes, built with the DOM (no innerHTML,
// no external sprite). Each is 24x24 and takes currentColor.

const NS = "http://www.w3.org/2000/svg";

// Each shape: [tag, attributes]; "f" marks a filled shape, others are stroked.
const SHAPES = {
  mic: [
    ["rect", { x: 9, y: 3, width: 6, height: 11, rx: 3, f: 1 }],
    ["path", { d: "M6 11a6 6 0 0 0 12 0" }],
    ["path", { d: "M12 17v4M9 21h6" }],
  ],
  cam: [
    ["rect", { x: 3, y: 7, width: 12, height: 10, rx: 2, f: 1 }],
    ["path", { d: "M15 11l6-4v10l-6-4z", f: 1 }],
  ],
  screen: [
    ["rect", { x: 3, y: 4, width: 18, height: 12, rx: 2 }],
    ["path", { d: "M8 20h8M12 16v4M9 11l3-3 3 3M12 8v5" }],
  ],
  chat: [["path", { d: "M4 5h16v11H9l-5 4z", f: 1 }]],
  people: [
    ["circle", { cx: 9, cy: 8, r: 3, f: 1 }],
    ["path", { d: "M3 19c0-3.3 2.7-5 6-5s6 1.7 6 5z", f: 1 }],
    ["circle", { cx: 17, cy: 9, r: 2.5, f: 1 }],
    ["path", { d: "M16 14.2c3 .2 5 1.8 5 4.8h-4", f: 1 }],
  ],
  leave: [["path", { d: "M2.5 13.5c5.3-5 13.7-5 19 0l-2.6 2.6-3.4-1.6v-2.7c-2.3-.8-4.7-.8-7 0v2.7l-3.4 1.6z", f: 1 }]],
  close: [["path", { d: "M6 6l12 12M18 6L6 18" }]],
  link: [["path", { d: "M10 14a4 4 0 0 1 0-5.6l3-3a4 4 0 0 1 5.6 5.6l-1.5 1.5M14 10a4 4 0 0 1 0 5.6l-3 3a4 4 0 0 1-5.6-5.6l1.5-1.5" }]],
  minimise: [["path", { d: "M6 17h12" }]],
  restore: [["rect", { x: 5, y: 5, width: 14, height: 14, rx: 2 }]],
  slash: [["path", { d: "M4 4l16 16" }]],
  // phone: a handset, for a participant calling through the SIP bridge.
  phone: [["path", { d: "M6.6 3.5l2.6 3.3-1.6 2.4a11 11 0 0 0 5.2 5.2l2.4-1.6 3.3 2.6-1.2 3.1C11 19 5 13 3.5 4.7z", f: 1 }]],
  // roomsystem: a screen on a stand with a camera, for a meeting-room system.
  roomsystem: [
    ["rect", { x: 3, y: 6, width: 18, height: 11, rx: 1.5 }],
    ["circle", { cx: 12, cy: 3.5, r: 1.5, f: 1 }],
    ["path", { d: "M12 17v4M8 21h8" }],
  ],
};

/** icon returns an SVG element; off = true adds a slash (muted). */
export function icon(name, off = false) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "24");
  svg.setAttribute("height", "24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("icon", `icon-${name}`);
  if (off) svg.classList.add("icon-off");
  const shapes = [...(SHAPES[name] || []), ...(off ? SHAPES.slash : [])];
  for (const [tag, attrs] of shapes) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k !== "f") el.setAttribute(k, String(v));
    }
    el.setAttribute("fill", attrs.f ? "currentColor" : "none");
    el.setAttribute("stroke", "currentColor");
    el.setAttribute("stroke-width", attrs.f ? "0" : "2");
    el.setAttribute("stroke-linecap", "round");
    el.setAttribute("stroke-linejoin", "round");
    svg.append(el);
  }
  return svg;
}

/** setIcon replaces the icon inside el (keeping other children such as badges).
 * The same icon is left in place: a button's state is refreshed often, and an icon
 * replaced between the press and the release of a click would lose the click. */
export function setIcon(el, name, off = false) {
  const old = el.querySelector(":scope > svg.icon");
  if (old && old.classList.contains(`icon-${name}`) && old.classList.contains("icon-off") === off) return;
  old?.remove();
  el.prepend(icon(name, off));
}

/** callerMark returns the marker of a participant calling through the SIP bridge
 * (kind "sip"): a room system when it sends video, else a phone; null for others.
 * label is an i18n key for its aria-label. */
export function callerMark(info, hasVideo) {
  if (info?.kind !== "sip") return null;
  return hasVideo ? { icon: "roomsystem", label: "caller.roomSystem" } : { icon: "phone", label: "caller.phone" };
}

/** initials returns up to two letters for a name. */
export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const letters = words.length === 1 ? [...words[0]].slice(0, 2) : [[...words[0]][0], [...words[words.length - 1]][0]];
  return letters.join("").toUpperCase();
}

/** colourFor picks a stable background hue for an avatar. */
export function hueFor(text) {
  let h = 0;
  for (const c of String(text)) h = (h * 31 + c.codePointAt(0)) % 360;
  return h;
}
