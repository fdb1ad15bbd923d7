// tile: one participant's camera (or one shared screen) in the grid: the video or
// the initials, the name, muted microphone and camera marks, the connection quality,
// the active-speaker ring. A remote tile also asks the server for the video that
// fits it (adaptive subscription): the size it shows at, and a pause while it cannot
// be seen (scrolled off, tab hidden, minimised). When the server pauses the video
// because the link is too slow for even its lowest layer, the tile says so instead
// of showing a frozen picture.

import { t } from "../i18n.js";
import { icon, setIcon, initials, hueFor } from "./icons.js";
import { qualityFor } from "../layers.js";

const PATHS = ["udp", "tcp", "turn-udp", "turn-tls", "turn-tcp"];

const REPORT_DELAY_MS = 250;

export class Tile {
  /**
   * @param {object} o key; kind: "camera" | "screen"; name; local: bool;
   *   onSubscription(trackSid, settings): where adaptive requests go (remote tiles);
   *   onPin(tile): the pin button was pressed
   */
  constructor(o) {
    this.key = o.key;
    this.rank = o.rank || 0;
    this.kind = o.kind;
    this.local = !!o.local;
    this.onSubscription = o.onSubscription || (() => {});
    this.onPin = o.onPin || (() => {});
    this.name = "";
    this.trackSid = "";
    this.layers = [];
    this.track = null;
    this.camMuted = true;
    this.minimised = false;
    this.pinned = false;
    this.visible = true;
    this.lastReport = "";
    this.reportTimer = 0;

    const el = document.createElement("div");
    el.className = `tile tile-${this.kind}`;
    el.setAttribute("role", "listitem");
    el.dataset.key = this.key;
    if (this.local) el.classList.add("tile-local");
    this.el = el;

    this.video = document.createElement("video");
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.muted = true; // sound plays from the audio elements, never from tiles
    this.video.setAttribute("aria-hidden", "true");
    this.avatar = document.createElement("div");
    this.avatar.className = "avatar";
    this.avatar.setAttribute("aria-hidden", "true");

    const bar = document.createElement("div");
    bar.className = "tile-bar";
    this.qualityEl = document.createElement("span");
    this.qualityEl.className = "quality q-unknown";
    this.qualityEl.setAttribute("role", "img");
    for (let i = 0; i < 3; i++) this.qualityEl.append(document.createElement("i"));
    this.callerEl = document.createElement("span");
    this.callerEl.className = "mark mark-caller";
    this.callerEl.setAttribute("role", "img");
    this.callerEl.hidden = true;
    this.caller = null;
    this.nameEl = document.createElement("span");
    this.nameEl.className = "tile-name";
    this.micEl = document.createElement("span");
    this.micEl.className = "mark mark-mic";
    this.micEl.setAttribute("role", "img");
    this.micEl.append(icon("mic", true));
    this.micEl.hidden = true;
    this.camEl = document.createElement("span");
    this.camEl.className = "mark mark-cam";
    this.camEl.setAttribute("role", "img");
    this.camEl.append(icon("cam", true));
    this.camEl.hidden = true;
    bar.append(this.qualityEl, this.callerEl, this.nameEl, this.micEl, this.camEl);

    const tools = document.createElement("div");
    tools.className = "tile-tools";
    this.pinBtn = document.createElement("button");
    this.pinBtn.type = "button";
    this.pinBtn.className = "icon-btn tile-pin";
    this.pinBtn.setAttribute("aria-pressed", "false");
    this.pinBtn.append(icon("restore"));
    this.pinBtn.addEventListener("click", () => this.onPin(this));
    this.minBtn = document.createElement("button");
    this.minBtn.type = "button";
    this.minBtn.className = "icon-btn tile-min";
    this.minBtn.setAttribute("aria-pressed", "false");
    this.minBtn.append(icon("minimise"));
    this.minBtn.addEventListener("click", () => this.setMinimised(!this.minimised));
    tools.append(this.pinBtn, this.minBtn);

    this.pausedEl = document.createElement("span");
    this.pausedEl.className = "tile-paused";
    this.pausedEl.hidden = true;
    this.bandwidthPaused = false;
    this.movingEl = document.createElement("span");
    this.movingEl.className = "tile-moving";
    this.movingEl.hidden = true;
    this.moving = false;

    el.append(this.avatar, this.video, this.pausedEl, this.movingEl, bar, tools);
    this.setName(o.name || "");
    this.setQuality("unknown");
    this.updateVideoShown();

    this.resizeObserver = new ResizeObserver(() => this.scheduleReport());
    this.resizeObserver.observe(this.el);
    this.intersectionObserver = new IntersectionObserver((entries) => {
      for (const e of entries) this.visible = e.isIntersecting;
      this.scheduleReport();
    });
    this.intersectionObserver.observe(this.el);
  }

  setName(name) {
    this.name = name;
    const shown = this.kind === "screen" ? t("meeting.screenOf", { name }) : this.local ? t("meeting.you", { name }) : name;
    this.nameEl.textContent = shown;
    this.updateLabel();
    this.avatar.textContent = initials(name);
    this.avatar.style.setProperty("--hue", String(hueFor(name)));
    this.micEl.setAttribute("aria-label", t("tile.micMuted"));
    this.camEl.setAttribute("aria-label", t("tile.camMuted"));
    this.updateButtons();
  }

  /** setCaller marks a participant calling through the SIP bridge: caller is
   * callerMark's { icon, label } or null. */
  setCaller(caller) {
    if (caller?.icon === this.caller?.icon) return;
    this.caller = caller;
    this.callerEl.hidden = !caller;
    this.el.classList.toggle("tile-caller", !!caller);
    if (caller) {
      setIcon(this.callerEl, caller.icon);
      this.callerEl.setAttribute("aria-label", t(caller.label));
      this.callerEl.title = t(caller.label);
    }
    this.updateLabel();
  }

  updateButtons() {
    this.minBtn.setAttribute("aria-label", t(this.minimised ? "tile.restore" : "tile.minimise", { name: this.name }));
    this.minBtn.setAttribute("aria-pressed", String(this.minimised));
    this.pinBtn.setAttribute("aria-label", t(this.pinned ? "tile.unpin" : "tile.pin", { name: this.name }));
    this.pinBtn.setAttribute("aria-pressed", String(this.pinned));
  }

  /** setVideo shows a MediaStreamTrack (null: none). trackSid and layers describe
   * the remote track for adaptive subscription. */
  setVideo(track, trackSid = "", layers = []) {
    this.trackSid = trackSid;
    this.layers = layers || [];
    if (this.track !== track) {
      this.track = track;
      this.video.srcObject = track ? new MediaStream([track]) : null;
      if (track) this.video.play().catch(() => {});
    }
    this.lastReport = "";
    this.updateVideoShown();
    this.scheduleReport();
  }

  setCamMuted(muted) {
    this.camMuted = !!muted;
    this.camEl.hidden = !this.camMuted || this.kind === "screen";
    this.updateVideoShown();
    this.scheduleReport();
  }

  setMicMuted(muted) {
    this.micEl.hidden = !muted;
    this.el.classList.toggle("mic-muted", !!muted);
  }

  setSpeaking(speaking) {
    this.el.classList.toggle("speaking", !!speaking);
  }

  setQuality(q) {
    this.quality = ["excellent", "good", "poor", "lost"].includes(q) ? q : "unknown";
    this.qualityEl.className = `quality q-${this.quality}`;
    this.labelQuality();
  }

  /** setPath shows how this browser's media reaches the server (own tile only):
   * udp, tcp, turn-udp, turn-tls or turn-tcp (data-path for tests). */
  setPath(path) {
    this.path = PATHS.includes(path) ? path : "";
    if (this.path) this.qualityEl.dataset.path = this.path;
    else delete this.qualityEl.dataset.path;
    this.labelQuality();
  }

  labelQuality() {
    const quality = t(`quality.${this.quality || "unknown"}`);
    const label = this.path ? t("tile.qualityPath", { quality, path: t(`path.${this.path}`) }) : t("tile.quality", { quality });
    this.qualityEl.setAttribute("aria-label", label);
    this.qualityEl.title = label;
  }

  /** setLayer shows what the server sends of this video: the layer (data-layer,
   * data-layer-reason for tests and the debug view) and a pause for low bandwidth. */
  setLayer(layer) {
    if (!layer) return;
    this.el.dataset.layer = layer.paused ? "paused" : layer.quality;
    this.el.dataset.layerReason = layer.reason;
    const paused = !!layer.paused;
    if (paused === this.bandwidthPaused) return;
    this.bandwidthPaused = paused;
    this.el.classList.toggle("bandwidth-paused", paused);
    this.pausedEl.hidden = !paused;
    this.pausedEl.textContent = paused ? t("tile.pausedBandwidth") : "";
    this.updateLabel();
    this.updateVideoShown();
  }

  /** setKey renames the tile (see Grid.rekey). */
  setKey(key) {
    this.key = key;
    this.el.dataset.key = key;
  }

  /**
   * setMoving marks a remote whose room moves to another node: the tile keeps what it
   * showed (the last picture, or the initials) under a "reconnecting" label until
   * the participant is back. Its old track is gone, so no adaptive request goes out
   * for it meanwhile.
   */
  setMoving(moving) {
    moving = !!moving;
    if (moving) {
      clearTimeout(this.reportTimer);
      this.trackSid = "";
    }
    if (moving === this.moving) return;
    this.moving = moving;
    this.el.classList.toggle("moving", moving);
    this.movingEl.hidden = !moving;
    this.movingEl.textContent = moving ? t("tile.moving") : "";
    this.updateLabel();
  }

  updateLabel() {
    const name = this.caller ? `${this.nameEl.textContent}, ${t(this.caller.label)}` : this.nameEl.textContent;
    const state = this.moving ? t("tile.moving") : this.bandwidthPaused ? t("tile.pausedBandwidth") : "";
    this.el.setAttribute("aria-label", state ? `${name}, ${state}` : name);
  }

  setMinimised(min) {
    this.minimised = !!min;
    this.el.classList.toggle("minimised", this.minimised);
    this.updateButtons();
    this.updateVideoShown();
    this.scheduleReport();
  }

  setPinned(pinned) {
    this.pinned = !!pinned;
    this.el.classList.toggle("pinned", this.pinned);
    this.updateButtons();
  }

  updateVideoShown() {
    const show = !!this.track && !this.camMuted && !this.minimised && !this.bandwidthPaused;
    this.el.classList.toggle("has-video", show);
  }

  /** scheduleReport sends the adaptive subscription after the layout settles. */
  scheduleReport() {
    if (this.local || !this.trackSid) return;
    clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => this.report(), REPORT_DELAY_MS);
  }

  /** report asks the server for what this tile needs now, when it changed. */
  report() {
    if (this.local || !this.trackSid) return;
    const paused = document.hidden || !this.visible || this.minimised || this.camMuted;
    const dpr = window.devicePixelRatio || 1;
    const rect = this.video.getBoundingClientRect();
    const box = rect.width > 0 ? rect : this.el.getBoundingClientRect();
    const width = Math.round(box.width * dpr);
    const height = Math.round(box.height * dpr);
    const quality = qualityFor(width, height, this.layers);
    const settings = paused ? { paused: true } : { paused: false, quality, width, height };
    const key = JSON.stringify(settings);
    if (key === this.lastReport) return;
    this.lastReport = key;
    this.el.dataset.quality = paused ? "paused" : quality;
    this.onSubscription(this.trackSid, settings);
  }

  /** destroy stops the observers; the element is removed by the grid. */
  destroy() {
    clearTimeout(this.reportTimer);
    this.resizeObserver.disconnect();
    this.intersectionObserver.disconnect();
    this.video.srcObject = null;
    this.el.remove();
  }
}
