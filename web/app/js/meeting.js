// meeting: the meeting screen. It turns the session's events into tiles, marks,
// chat lines and banners, and the buttons into session calls.

import { t } from "./i18n.js";
import { Grid } from "./ui/grid.js";
import { Chat, CHAT_TOPIC, encodeChat } from "./ui/chat.js";
import { Participants } from "./ui/participants.js";
import { Controls } from "./ui/controls.js";
import { Lobby } from "./ui/lobby.js";
import { icon, callerMark } from "./ui/icons.js";
import { openCamera, openMicrophone, openScreen, mediaErrorKey, stopTrack } from "./media.js";

const $ = (id) => document.getElementById(id);

export class Meeting {
  /** @param {object} o session, banner, room, name, camDeviceId, micDeviceId, onClosed(reason, error) */
  constructor(o) {
    this.session = o.session;
    this.banner = o.banner;
    this.room = o.room;
    this.name = o.name;
    this.camDeviceId = o.camDeviceId;
    this.micDeviceId = o.micDeviceId;
    this.onClosed = o.onClosed;
    this.rank = 0;
    this.panel = "";
    this.audioEls = new Map(); // track sid -> <audio>
    this.abort = new AbortController();

    this.grid = new Grid({
      grid: $("grid"),
      stage: $("stage"),
      alone: $("alone"),
      body: document.querySelector(".meeting-body"),
      onSubscription: (sid, s) => this.session.updateSubscription(sid, s),
    });
    this.chat = new Chat({
      panel: $("panel-chat"),
      log: $("chat-log"),
      form: $("chat-form"),
      input: $("chat-input"),
      send: (text) => this.session.sendData(CHAT_TOPIC, encodeChat(text), { reliable: true }),
      onUnread: (n) => this.controls.setUnread(n),
    });
    this.people = new Participants({ panel: $("panel-people"), list: $("people-list"), heading: $("people-heading") });
    this.controls = new Controls({
      mic: $("ctl-mic"),
      cam: $("ctl-cam"),
      share: $("ctl-share"),
      chat: $("ctl-chat"),
      people: $("ctl-people"),
      leave: $("ctl-leave"),
      link: $("ctl-link"),
      badge: $("chat-badge"),
      peopleBadge: $("people-badge"),
      onMic: () => this.toggleMic(),
      onCam: () => this.toggleCam(),
      onShare: () => this.toggleShare(),
      onChat: () => this.togglePanel("chat"),
      onPeople: () => this.togglePanel("people"),
      onLeave: () => this.leave(),
      onLink: () => this.copyLink(),
    });
    this.lobby = new Lobby({
      section: $("lobby-section"),
      heading: $("lobby-list-heading"),
      list: $("lobby-list"),
      notice: $("lobby-notice"),
      announce: (text) => this.banner.show(text, { ms: 8000 }),
      decide: (identity, admit) => (admit ? this.session.admitGuest(identity) : this.session.refuseGuest(identity)),
      onShowAll: () => this.panel !== "people" && this.togglePanel("people"),
    });
    $("chat-close").replaceChildren(icon("close"));
    $("people-close").replaceChildren(icon("close"));
    $("chat-close").addEventListener("click", () => this.togglePanel(""), { signal: this.abort.signal });
    $("people-close").addEventListener("click", () => this.togglePanel(""), { signal: this.abort.signal });
    $("room-name").textContent = this.room;
    $("meeting-heading").textContent = t("prejoin.room", { room: this.room });
    document.addEventListener("visibilitychange", () => this.reportAll(), { signal: this.abort.signal });
    document.addEventListener(
      "keydown",
      (ev) => {
        if (ev.key === "Escape" && this.panel) this.togglePanel("");
      },
      { signal: this.abort.signal },
    );
    this.listen();
  }

  listen() {
    const s = this.session;
    const on = (type, fn) => s.addEventListener(type, (ev) => fn(ev.detail), { signal: this.abort.signal });
    on("participant-joined", ({ participant, initial }) => {
      this.addParticipant(participant);
      if (!initial) this.banner.show(t("banner.joined", { name: displayName(participant) }));
    });
    on("participant-left", ({ participant, reason }) => {
      this.removeParticipant(participant);
      if (s.state === "connected") this.banner.show(t("banner.left", { name: displayName(participant) }));
    });
    on("participant-updated", ({ participant }) => this.refreshParticipant(participant));
    // The room moves to another node: the tile stays, marked, and no banner is shown
    // unless the participant does not come back (then participant-left says so).
    on("participant-moving", ({ participant }) => this.refreshParticipant(participant));
    on("participant-moved", ({ participant, oldSid }) => this.onParticipantMoved(participant, oldSid));
    on("track-added", ({ participant, track }) => this.onTrackAdded(participant, track));
    on("track-removed", ({ participant, track, moving }) => this.onTrackRemoved(participant, track, moving));
    on("track-muted", ({ participant }) => this.refreshParticipant(participant));
    on("track-layer", ({ participant, track }) => this.tileOf(participant, track)?.setLayer(track.layer));
    on("speakers", ({ speakers }) => this.onSpeakers(speakers));
    on("quality", ({ updates }) => this.onQuality(updates));
    on("path", ({ path }) => {
      this.path = path;
      this.local?.setPath(path);
    });
    on("data", (d) => {
      if (d.topic === CHAT_TOPIC) this.chat.receive(d.from ? displayName(d.from) : d.fromIdentity || "?", d.payload);
    });
    on("local-track", () => this.refreshLocal());
    on("draining", () => this.banner.show(t("banner.draining"), { kind: "warn", ms: 0, id: "draining" }));
    on("room", ({ room }) => this.setRecording(!!room.recording));
    on("lobby", ({ guests, knocked }) => {
      this.lobby.update(guests, knocked);
      this.controls.setWaiting(guests.length);
    });
    // A fresh rejoin of a guest goes through the lobby again.
    on("lobby-waiting", () => this.banner.show(t("lobby.heading"), { kind: "warn", ms: 0, id: "reconnecting" }));
    on("state", (d) => this.onState(d));
  }

  /**
   * setRecording shows whether the meeting is recorded: a visible indicator, and a
   * sentence in its own polite live region (the banner's messages come and go), said
   * when the state changes and once on arrival in a recorded meeting.
   */
  setRecording(on) {
    if (on === this.recording) return;
    const first = this.recording === undefined;
    this.recording = on;
    $("rec-indicator").hidden = !on;
    if (first && !on) return;
    $("rec-live").textContent = t(on ? "recording.started" : "recording.stopped");
  }

  /** start shows the meeting once joined and publishes the chosen tracks. */
  async start({ camTrack, micTrack }) {
    const me = this.session.me;
    // The room's state as the join gave it, before this screen existed.
    this.setRecording(!!this.session.room?.recording);
    // Knocks heard with the join, before this screen existed.
    if (this.session.lobby.size > 0) {
      this.lobby.update([...this.session.lobby.values()], null);
      this.controls.setWaiting(this.session.lobby.size);
    }
    this.local = this.grid.add("local:camera", { kind: "camera", name: this.name, local: true, rank: 0 });
    if (this.path) this.local.setPath(this.path);
    for (const p of this.session.remotes.values()) this.addParticipant(p);
    this.refreshLocal();
    this.renderPeople();
    const jobs = [];
    if (micTrack) jobs.push(this.session.publish(micTrack, "microphone"));
    if (camTrack) jobs.push(this.session.publish(camTrack, "camera"));
    await Promise.all(jobs);
    if (me && me.name !== this.name) {
      // A token minted with another name: ask to be shown with the chosen one.
      this.session.signal?.request("update_metadata", { name: this.name }).catch(() => {});
    }
  }

  // ---- participants and tracks ----

  addParticipant(p) {
    const tile = this.grid.add(`${p.info.sid}:camera`, { kind: "camera", name: displayName(p), rank: ++this.rank });
    tile.setQuality(p.quality);
    for (const tr of p.tracks.values()) if (tr.stream) this.onTrackAdded(p, tr);
    this.refreshParticipant(p);
  }

  removeParticipant(p) {
    this.grid.remove(`${p.info.sid}:camera`);
    this.grid.remove(`${p.info.sid}:screen`);
    for (const tr of p.tracks.values()) this.removeAudio(tr.info.sid);
    this.renderPeople();
  }

  onTrackAdded(p, tr) {
    if (tr.info.kind === "audio") {
      this.addAudio(tr);
    } else if (tr.info.source === "screen_share") {
      const tile = this.grid.add(`${p.info.sid}:screen`, { kind: "screen", name: displayName(p), rank: ++this.rank });
      tile.setCamMuted(false);
      tile.setVideo(tr.media, tr.info.sid, tr.info.layers);
    } else {
      const tile = this.grid.get(`${p.info.sid}:camera`);
      tile?.setVideo(tr.media, tr.info.sid, tr.info.layers);
    }
    if (tr.layer) this.tileOf(p, tr)?.setLayer(tr.layer);
    this.refreshParticipant(p);
  }

  /** tileOf is the tile that shows a remote video track. */
  tileOf(p, tr) {
    if (tr.info.kind !== "video") return null;
    return this.grid.get(`${p.info.sid}:${tr.info.source === "screen_share" ? "screen" : "camera"}`);
  }

  /** onTrackRemoved drops a remote track; one that ended with the room's move
   * leaves its last picture on the camera tile until the participant is back. */
  onTrackRemoved(p, tr, moving = false) {
    if (tr.info.kind === "audio") this.removeAudio(tr.info.sid);
    else if (tr.info.source === "screen_share") this.grid.remove(`${p.info.sid}:screen`);
    else if (moving) this.grid.get(`${p.info.sid}:camera`)?.setMoving(true);
    else this.grid.get(`${p.info.sid}:camera`)?.setVideo(null);
    this.refreshParticipant(p);
  }

  /** onParticipantMoved: a participant is back after the room's move, with a new
   * SID; its tiles keep their place under the new key, and its new tracks follow. */
  onParticipantMoved(p, oldSid) {
    this.grid.rekey(`${oldSid}:camera`, `${p.info.sid}:camera`);
    this.grid.rekey(`${oldSid}:screen`, `${p.info.sid}:screen`);
    const tile = this.grid.get(`${p.info.sid}:camera`);
    tile?.setMoving(false);
    tile?.setVideo(null);
    this.refreshParticipant(p);
  }

  addAudio(tr) {
    if (this.audioEls.has(tr.info.sid)) return;
    const a = document.createElement("audio");
    a.autoplay = true;
    a.srcObject = new MediaStream([tr.media]);
    a.dataset.trackSid = tr.info.sid;
    $("audio-sink").append(a);
    a.play().catch(() => {});
    this.audioEls.set(tr.info.sid, a);
  }

  removeAudio(sid) {
    const a = this.audioEls.get(sid);
    if (!a) return;
    a.srcObject = null;
    a.remove();
    this.audioEls.delete(sid);
  }

  /** refreshParticipant updates a participant's name and marks from its tracks. */
  refreshParticipant(p) {
    if (!this.session.remotes.has(p.info.sid)) return;
    if (p.moving) {
      // Its marks stay as they were until it is back.
      this.grid.get(`${p.info.sid}:camera`)?.setMoving(true);
      this.renderPeople();
      return;
    }
    const tracks = [...p.tracks.values()];
    const mic = tracks.find((x) => x.info.source === "microphone");
    const cam = tracks.find((x) => x.info.source === "camera");
    const tile = this.grid.get(`${p.info.sid}:camera`);
    if (tile) {
      if (tile.name !== displayName(p)) tile.setName(displayName(p));
      tile.setCaller(callerMark(p.info, !!cam));
      tile.setMicMuted(!mic || mic.info.muted);
      tile.setCamMuted(!cam || cam.info.muted || !cam.stream);
    }
    this.grid.get(`${p.info.sid}:screen`)?.setName(displayName(p));
    this.renderPeople();
  }

  refreshLocal() {
    const mic = this.session.pubs.get("microphone");
    const cam = this.session.pubs.get("camera");
    const screen = this.session.pubs.get("screen_share");
    const micOn = !!mic && !mic.muted && !!mic.track;
    const camOn = !!cam && !cam.muted && !!cam.track;
    this.controls.setMic(micOn);
    this.controls.setCam(camOn);
    this.controls.setSharing(!!screen);
    if (this.local) {
      this.local.setVideo(camOn ? cam.track : null);
      this.local.setCamMuted(!camOn);
      this.local.setMicMuted(!micOn);
    }
    if (screen && !this.grid.get("local:screen")) {
      const tile = this.grid.add("local:screen", { kind: "screen", name: this.name, local: true, rank: 0 });
      tile.setCamMuted(false);
      tile.setVideo(screen.track);
    } else if (!screen) {
      this.grid.remove("local:screen");
    }
    this.renderPeople();
  }

  renderPeople() {
    const mic = this.session.pubs.get("microphone");
    const cam = this.session.pubs.get("camera");
    const people = [
      { sid: this.session.me?.sid || "", name: this.name, local: true, micMuted: !mic || mic.muted, camMuted: !cam || cam.muted || !cam.track },
    ];
    for (const p of this.session.remotes.values()) {
      const tile = this.grid.get(`${p.info.sid}:camera`);
      people.push({
        sid: p.info.sid,
        name: displayName(p),
        local: false,
        micMuted: tile ? !tile.micEl.hidden : true,
        camMuted: tile ? tile.camMuted : true,
        caller: callerMark(p.info, [...p.tracks.values()].some((x) => x.info.source === "camera")),
      });
    }
    this.people.render(people);
  }

  onSpeakers(speakers) {
    const active = new Set(speakers.filter((s) => s.active !== false).map((s) => s.sid));
    for (const tile of this.grid.tiles.values()) {
      if (tile.kind !== "camera") continue;
      const sid = tile.local ? this.session.me?.sid : tile.key.split(":")[0];
      tile.setSpeaking(active.has(sid));
    }
  }

  onQuality(updates) {
    for (const u of updates) {
      if (u.sid === this.session.me?.sid) {
        this.local?.setQuality(u.quality);
        continue;
      }
      const p = this.session.remotes.get(u.sid);
      if (p) p.quality = u.quality;
      this.grid.get(`${u.sid}:camera`)?.setQuality(u.quality);
    }
  }

  reportAll() {
    for (const tile of this.grid.tiles.values()) tile.scheduleReport();
  }

  onState(d) {
    if (d.state === "reconnecting") {
      this.banner.show(t("banner.reconnecting"), { kind: "warn", ms: 0, id: "reconnecting" });
    } else if (d.state === "connected") {
      this.banner.hide("reconnecting");
      this.banner.hide("draining");
      // After a room move the meeting goes on as it was: for the user a reconnection.
      if (d.rejoined || d.resumed) this.banner.show(t(d.rejoined && !d.moved ? "banner.rejoined" : "banner.reconnected"));
      for (const tile of this.grid.tiles.values()) tile.lastReport = "";
      this.reportAll();
    } else if (d.state === "closed") {
      this.banner.hide("reconnecting");
      this.stopLocal();
      this.onClosed(d.reason, d.error);
      this.destroy();
    }
  }

  // ---- buttons ----

  async toggleMic() {
    const pub = this.session.pubs.get("microphone");
    try {
      if (pub && pub.track) {
        await this.session.setMuted("microphone", !pub.muted);
      } else {
        const track = await openMicrophone(this.micDeviceId);
        await this.session.publish(track, "microphone");
      }
    } catch (err) {
      this.deviceError(err, "microphone");
    }
    this.refreshLocal();
  }

  async toggleCam() {
    const pub = this.session.pubs.get("camera");
    try {
      if (pub && pub.track && !pub.muted) {
        // Turn the camera off for real (its light too): stop sending, then stop it.
        const old = pub.track;
        await this.session.replaceTrack("camera", null);
        stopTrack(old);
        await this.session.setMuted("camera", true);
      } else if (pub) {
        const track = await openCamera(this.camDeviceId);
        await this.session.replaceTrack("camera", track);
        await this.session.setMuted("camera", false);
      } else {
        const track = await openCamera(this.camDeviceId);
        await this.session.publish(track, "camera");
      }
    } catch (err) {
      this.deviceError(err, "camera");
    }
    this.refreshLocal();
  }

  async toggleShare() {
    const pub = this.session.pubs.get("screen_share");
    if (pub) {
      stopTrack(pub.track);
      await this.session.unpublish("screen_share").catch(() => {});
      this.refreshLocal();
      return;
    }
    let track;
    try {
      track = await openScreen();
    } catch (err) {
      if (err?.name !== "NotAllowedError") this.banner.show(t("banner.shareFailed", { reason: err?.message || err?.name }), { kind: "error" });
      return;
    }
    track.addEventListener("ended", () => {
      if (this.session.pubs.get("screen_share")?.track === track) this.toggleShare();
    });
    try {
      await this.session.publish(track, "screen_share", { simulcast: false });
    } catch (err) {
      stopTrack(track);
      this.banner.show(t("banner.shareFailed", { reason: err?.message || String(err) }), { kind: "error" });
    }
    this.refreshLocal();
  }

  deviceError(err, what) {
    const key = err?.name ? mediaErrorKey(err, what) : "error.media";
    this.banner.show(t(key, { name: err?.name || "" }), { kind: "error", ms: 8000 });
  }

  togglePanel(which) {
    const next = this.panel === which ? "" : which;
    this.panel = next;
    this.chat.setOpen(next === "chat");
    this.people.setOpen(next === "people");
    this.controls.setPanel(next);
    this.lobby.setPanelOpen(next === "people");
    document.querySelector(".meeting").classList.toggle("with-panel", !!next);
    this.grid.sizeTiles();
    if (!next) $("ctl-" + (which || "chat")).focus?.();
  }

  async copyLink() {
    const link = `${location.origin}/${this.room}`;
    try {
      await navigator.clipboard.writeText(link);
      this.banner.show(t("controls.linkCopied"));
    } catch {
      this.banner.show(link, { ms: 8000 });
    }
  }

  async leave() {
    await this.session.leave();
  }

  stopLocal() {
    for (const source of ["camera", "microphone", "screen_share"]) stopTrack(this.session.pubs.get(source)?.track);
  }

  destroy() {
    this.abort.abort();
    this.grid.clear();
    for (const sid of [...this.audioEls.keys()]) this.removeAudio(sid);
    $("chat-log").replaceChildren();
    this.lobby.clear();
    this.controls.setWaiting(0);
    this.togglePanel("");
  }
}

export function displayName(p) {
  return p.info.name || p.info.identity || "?";
}
