// session: one participant in a meeting. It holds the signalling connection and the
// two peer connections of the protocol (publisher: the browser offers; subscriber:
// the server offers), publishes local tracks (the camera with simulcast), follows
// the other participants and their tracks, and recovers from network drops: it
// resumes the session (reconnect with resume=<sid>, then an ICE restart of the
// publisher) and, when the server refuses the resume, joins afresh and publishes
// its tracks again.
//
// It is a plain EventTarget; the UI listens to these CustomEvents:
//   state               {state: connecting|connected|reconnecting|closed, reason, error, rejoined}
//   participant-joined  {participant}          participant-left {participant, reason}
//   participant-updated {participant}
//   participant-moving  {participant}          the room moves to another node: the entry stays
//                                                (participant.moving) until its owner comes back
//   participant-moved   {participant, oldSid}  its owner came back on the new node: same entry,
//                                                new SID and tracks (see roommove.js)
//   track-added         {participant, track}    a remote track has media (track.stream)
//   track-removed       {participant, track, moving}  moving: the track ended with the room's move
//   track-muted         {participant, track, muted}
//   local-track         {source, pub}            own publication changed (published, muted, removed)
//   speakers            {speakers}               quality {updates}
//   data                {topic, payload (Uint8Array), from (participant or null), fromIdentity}
//   draining            {deadlineMs}
//   room                {room}                   the room's state (room.recording: it is being recorded),
//                                                from join, resumed and room_updated
//   track-layer         {participant, track, layer}  the layer of a remote video we receive and why
//                                                    (layer: {quality, width, height, paused, reason, estimate_bps})
//   lobby-waiting       {room, identity, name}  this guest waits in the room's lobby (state "waiting")
//   busy                {code, waitMs, until, tries}  join() was refused with 503 and tries again at
//                                                until (ms since the epoch); cancelJoin() stops it
//   lobby               {guests, knocked}        room admins: who waits in the lobby now (guests:
//                                                [{identity, name, since}], oldest first); knocked is
//                                                the guest who just knocked, if any

import { SignalClient, SignalError, preflight } from "./signalling.js";
import { simulcastLayers, sendEncodings, layerInfo } from "./layers.js";
import { Publications } from "./publications.js";
import { RoomMove } from "./roommove.js";
import { busyWaitMs, sessionRetryWaitMs } from "./busy.js";

const DEFAULT_RESUME_GRACE_MS = 20000;
const DEFAULT_BUSY_BUDGET_MS = 5 * 60 * 1000;
// The least wait before a guest whose lobby connection ended knocks again (up
// to twice it, so that the guests of a lost node do not all come back at once).
const KNOCK_AGAIN_MS = 500;

export class Session extends EventTarget {
  /**
   * @param {object} opts url: the /rtc address; token; room (checked against the token's); refreshToken: async () => token
   *   for a fresh join when the first token expired (optional); busyBudgetMs: how long join() tries
   *   a busy server (default 5 min); log(level, msg, data)
   */
  constructor(opts) {
    super();
    this.url = opts.url;
    this.token = opts.token;
    this.roomName = opts.room || "";
    this.refreshToken = opts.refreshToken || null;
    this.log = opts.log || ((level, msg, data) => console[level === "warn" ? "warn" : "debug"](msg, data ?? ""));
    this.state = "idle";
    this.signal = null;
    this.publisher = null;
    this.subscriber = null;
    this.me = null; // ParticipantInfo
    this.room = null; // RoomInfo
    this.remotes = new Map(); // participant sid -> {info, tracks: Map<track sid, RemoteTrack>}
    this.orphanMedia = new Map(); // track sid -> {track, stream, receiver} whose info is not known yet
    this.earlyLayers = new Map(); // track sid -> subscription_layer data that came before the track
    this.pubs = new Publications(this);
    this.move = new RoomMove(this);
    this.resumeGraceMs = DEFAULT_RESUME_GRACE_MS;
    this.iceServers = [];
    this.negotiation = Promise.resolve();
    this.subQueue = Promise.resolve();
    this.pendingCandidates = { publisher: [], subscriber: [] };
    this.reconnecting = null;
    // How long join() keeps trying a busy server; people can stop it sooner.
    this.busyBudgetMs = opts.busyBudgetMs ?? DEFAULT_BUSY_BUDGET_MS;
    this.cancelBusyPause = null;
    this.lobby = new Map(); // room admins: identity -> {identity, name, since} waiting in the lobby
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit("state", { state, ...extra });
  }

  /** join connects and resolves with the JoinResponse; it rejects with a
   * SignalError whose code says why (from the preflight when the upgrade failed).
   * A join refused with 503 (the server is busy: see busy.js) is tried again after
   * the server's Retry-After, each wait announced by a "busy" event {code, waitMs,
   * until, tries}, until busyBudgetMs is spent (then the last refusal rejects) or
   * cancelJoin() is called (then code join_cancelled). A guest whose lobby
   * connection ends before a decision (its node lost, or room_moved on a drain)
   * knocks again through the same address, still in state "waiting". */
  async join() {
    this.setState("connecting");
    let giveUpAt = Date.now() + this.busyBudgetMs;
    for (let tries = 1; ; tries++) {
      try {
        const msg = await this.openSignal("");
        this.onJoined(msg.data);
        this.setState("connected");
        return msg.data;
      } catch (err) {
        if (err instanceof SignalError && err.code === "lobby_lost") {
          // Still to be let in: knock again through the same address, on the
          // room's next node (the decision is still to come), with a fresh budget.
          const wait = KNOCK_AGAIN_MS + Math.round(Math.random() * KNOCK_AGAIN_MS);
          this.log("info", `${err.message}; knocking again in ${wait} ms`);
          if (!(await this.busyPause(wait))) {
            const cancelled = new SignalError("client_left", "left the lobby");
            this.setState("closed", { error: cancelled });
            throw cancelled;
          }
          giveUpAt = Date.now() + this.busyBudgetMs;
          continue;
        }
        const wait = busyWaitMs(err);
        if (wait === null || Date.now() + wait > giveUpAt) {
          this.setState("closed", { error: err });
          throw err;
        }
        this.log("info", `join refused, the server is busy (${err.code}); trying again in ${wait} ms`, { tries });
        this.emit("busy", { code: err.code, waitMs: wait, until: Date.now() + wait, tries });
        if (!(await this.busyPause(wait))) {
          const cancelled = new SignalError("join_cancelled", "the join was cancelled while the server was busy");
          this.setState("closed", { error: cancelled });
          throw cancelled;
        }
      }
    }
  }

  /** busyPause waits ms; it resolves false at once when cancelJoin is called. */
  busyPause(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.cancelBusyPause = null;
        resolve(true);
      }, ms);
      this.cancelBusyPause = () => {
        clearTimeout(timer);
        this.cancelBusyPause = null;
        resolve(false);
      };
    });
  }

  /** cancelJoin stops a join waiting for a busy server to try again. */
  cancelJoin() {
    this.cancelBusyPause?.();
  }

  /** openSignal connects a new SignalClient; on failure it asks the preflight why. */
  async openSignal(resume) {
    const sc = new SignalClient(this.url, this.token, { resume, room: this.roomName, log: this.log });
    this.attach(sc);
    try {
      return await sc.connect();
    } catch (err) {
      this.detach(sc);
      if (sc.wasWaiting && err instanceof SignalError && (err.code === "connect_failed" || err.code === "room_moved")) {
        // The node holding the lobby was lost, or handed the room to another.
        throw new SignalError("lobby_lost", "the lobby's connection ended before a decision");
      }
      if (err instanceof SignalError && err.code === "connect_failed") {
        const why = await preflight(this.url, this.token, resume, this.roomName);
        if (why.unreachable) throw new SignalError("unreachable", "server unreachable");
        if (!why.ok) throw new SignalError(why.code, why.message, why.status, why.retryAfter);
      }
      throw err;
    }
  }

  attach(sc) {
    this.signal = sc;
    const on = (type, fn) => sc.addEventListener(type, (ev) => this.signal === sc && fn(ev.detail));
    on("offer", (d) => this.onSubscriberOffer(d.data));
    on("answer", (d) => !d.handled && this.onPublisherAnswer(d.data));
    on("trickle", (d) => this.onTrickle(d.data));
    on("participant_joined", (d) => this.onParticipantJoined(d.data.participant));
    on("participant_updated", (d) => this.onParticipantUpdated(d.data.participant));
    on("participant_left", (d) => this.onParticipantLeft(d.data.participant, d.data.reason));
    on("track_published", (d) => this.onTrackPublished(d.data));
    on("track_unpublished", (d) => this.onTrackUnpublished(d.data));
    on("track_muted", (d) => this.onTrackMuted(d.data));
    on("active_speakers", (d) => this.emit("speakers", { speakers: d.data.speakers || [] }));
    on("connection_quality", (d) => this.emit("quality", { updates: d.data.updates || [] }));
    on("data", (d) => this.onData(d.data));
    on("draining", (d) => this.emit("draining", { deadlineMs: d.data.deadline_ms }));
    on("room_updated", (d) => this.setRoom(d.data.room));
    on("lobby_waiting", (d) => this.onLobbyWaiting(d.data));
    on("publisher_layers", (d) => this.pubs.setLayers(d.data.track_sid, d.data.layers));
    on("publisher_backup", (d) => this.pubs.setBackup(d.data.track_sid, d.data.mime_type, d.data.enabled));
    on("subscription_layer", (d) => this.onSubscriptionLayer(d.data));
    on("lobby_knock", (d) => this.onLobbyKnock(d.data.guest));
    on("lobby_left", (d) => this.onLobbyLeft(d.data.guest, d.data.reason));
    on("close", (d) => this.onClose(d.data));
    on("error", (d) => !d.handled && this.log("warn", "server error", d.data));
    on("disconnect", () => this.reconnect("network"));
  }

  detach(sc) {
    if (this.signal === sc) this.signal = null;
  }

  onJoined(join) {
    this.clearLobby();
    this.me = join.participant;
    this.setRoom(join.room);
    this.iceServers = (join.ice_servers || []).map((s) => ({ urls: s.urls, username: s.username, credential: s.credential }));
    if (join.resume_grace_ms > 0) this.resumeGraceMs = join.resume_grace_ms;
    this.createPeerConnections();
    for (const p of join.others || []) this.onParticipantJoined(p, true);
  }

  /** setRoom keeps the room's state and tells the UI (recording on or off). */
  setRoom(room) {
    if (!room) return;
    this.room = room;
    this.emit("room", { room });
  }

  createPeerConnections() {
    const config = { iceServers: this.iceServers, bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" };
    this.publisher = new RTCPeerConnection(config);
    this.subscriber = new RTCPeerConnection(config);
    this.pendingCandidates = { publisher: [], subscriber: [] };
    for (const [target, pc] of [["publisher", this.publisher], ["subscriber", this.subscriber]]) {
      pc.onicecandidate = (ev) => {
        if (ev.candidate && ev.candidate.candidate) {
          this.signal?.send("trickle", { target, candidate: ev.candidate.toJSON() });
        }
      };
      pc.onconnectionstatechange = () => {
        this.log("debug", `${target} connection ${pc.connectionState}`);
        if (pc.connectionState === "failed" && this.state === "connected" && this.signal) {
          // The media path died while signalling lives: resume the session, which
          // restarts ICE on both connections.
          this.signal.drop();
        }
      };
    }
    this.subscriber.ontrack = (ev) => this.onRemoteMedia(ev);
    // How the media gets through (UDP, TCP, a TURN relay) can change after an ICE
    // restart; it is read from the stats every few seconds while connected.
    this.path = "";
    this.pathTimer = setInterval(() => this.updatePath(), 3000);
    this.subscriber.addEventListener("connectionstatechange", () => this.updatePath());
  }

  /** updatePath emits "path" when the subscriber connection's selected candidate
   * pair changes its kind: udp, tcp, turn-udp, turn-tls or turn-tcp. */
  async updatePath() {
    const pc = this.subscriber;
    if (!pc || pc.connectionState !== "connected") return;
    let path = "";
    try {
      const stats = await pc.getStats();
      let pairId = "";
      stats.forEach((s) => {
        if (s.type === "transport" && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      });
      const pair = stats.get(pairId);
      const local = pair && stats.get(pair.localCandidateId);
      if (local) path = mediaPathOf(local.candidateType, local.protocol, local.relayProtocol);
    } catch {
      return;
    }
    if (path && path !== this.path && pc === this.subscriber) {
      this.path = path;
      this.emit("path", { path });
    }
  }

  closePeerConnections() {
    clearInterval(this.pathTimer);
    for (const pc of [this.publisher, this.subscriber]) {
      if (!pc) continue;
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.ontrack = null;
      pc.close();
    }
    this.publisher = null;
    this.subscriber = null;
  }

  // ---- publisher connection (we offer) ----

  /** negotiate queues one offer/answer exchange on the publisher connection. */
  negotiate(iceRestart = false) {
    // Requests made while one is waiting to start share it: one offer covers them all.
    if (this.queuedNegotiation && !iceRestart) return this.queuedNegotiation;
    const run = async () => {
      this.queuedNegotiation = null;
      const pc = this.publisher;
      if (!pc || !this.signal || pc.getTransceivers().length === 0) return;
      const offer = await pc.createOffer({ iceRestart });
      await pc.setLocalDescription(offer);
      const res = await this.signal.request("offer", { sdp: offer.sdp });
      if (pc !== this.publisher) return;
      await pc.setRemoteDescription({ type: "answer", sdp: res.data.sdp });
      this.flushCandidates("publisher");
    };
    const next = this.negotiation.then(run, run);
    this.negotiation = next.catch((err) => this.log("warn", "publisher negotiation failed", err));
    if (!iceRestart) this.queuedNegotiation = next;
    return next;
  }

  async onPublisherAnswer(data) {
    // An answer without a matching request (a server that does not echo req_id).
    const pc = this.publisher;
    if (!pc || pc.signalingState !== "have-local-offer") return;
    await pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
    this.flushCandidates("publisher");
  }

  // ---- subscriber connection (the server offers) ----

  onSubscriberOffer(data) {
    const run = async () => {
      const pc = this.subscriber;
      if (!pc) return;
      await pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
      this.flushCandidates("subscriber");
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      this.signal?.send("answer", { sdp: answer.sdp });
    };
    this.subQueue = this.subQueue.then(run, run).catch((err) => this.log("warn", "subscriber offer failed", err));
  }

  onTrickle(data) {
    const target = data.target === "subscriber" ? "subscriber" : "publisher";
    const pc = target === "subscriber" ? this.subscriber : this.publisher;
    if (!pc || !data.candidate) return;
    if (!pc.remoteDescription) {
      this.pendingCandidates[target].push(data.candidate);
      return;
    }
    pc.addIceCandidate(data.candidate).catch((err) => this.log("warn", "bad candidate", err));
  }

  flushCandidates(target) {
    const pc = target === "subscriber" ? this.subscriber : this.publisher;
    const list = this.pendingCandidates[target];
    this.pendingCandidates[target] = [];
    for (const c of list) pc.addIceCandidate(c).catch((err) => this.log("warn", "bad candidate", err));
  }

  // ---- other participants ----

  remote(sid) {
    return this.remotes.get(sid);
  }

  onParticipantJoined(info, initial = false) {
    // Hidden participants and recorders are never shown (the server does not send
    // them; this holds if one slips through).
    if (!info || info.hidden || info.kind === "recorder" || info.sid === this.me?.sid) return;
    let p = this.remotes.get(info.sid);
    if (p) {
      p.info = info;
    } else if ((p = this.move.claim(info))) {
      // Someone we knew before the room moved: the same entry goes on.
      for (const t of info.tracks || []) this.addTrackInfo(p, t);
      this.emit("participant-updated", { participant: p });
      return;
    } else {
      p = { info, tracks: new Map(), quality: "unknown", speaking: false, level: 0 };
      this.remotes.set(info.sid, p);
      this.emit("participant-joined", { participant: p, initial });
    }
    for (const t of info.tracks || []) this.addTrackInfo(p, t);
  }

  onParticipantUpdated(info) {
    const p = this.remotes.get(info?.sid);
    if (!p) return this.onParticipantJoined(info);
    p.info = { ...info, tracks: p.info.tracks };
    this.emit("participant-updated", { participant: p });
  }

  onParticipantLeft(info, reason) {
    const p = this.remotes.get(info?.sid);
    // The old session of someone moving with the room ends: that is its move, not a
    // leave (its entry waits for its new session, or its grace).
    if (!p || p.moving) return;
    for (const t of p.tracks.values()) this.removeTrack(p, t);
    this.remotes.delete(info.sid);
    this.emit("participant-left", { participant: p, reason });
  }

  addTrackInfo(p, info) {
    let t = p.tracks.get(info.sid);
    if (t) {
      t.info = info;
      return t;
    }
    t = { info, participantSid: p.info.sid, stream: null, media: null, receiver: null, layer: null };
    p.tracks.set(info.sid, t);
    const early = this.earlyLayers.get(info.sid);
    if (early) {
      this.earlyLayers.delete(info.sid);
      this.onSubscriptionLayer(early);
    }
    const orphan = this.orphanMedia.get(info.sid);
    if (orphan) {
      this.orphanMedia.delete(info.sid);
      this.bindMedia(p, t, orphan);
    }
    return t;
  }

  onTrackPublished(data) {
    if (data.participant_sid === this.me?.sid || (data.cid && this.pubs.byCid(data.cid))) {
      this.pubs.acknowledge(data.cid, data.track);
      return;
    }
    const p = this.remotes.get(data.participant_sid);
    if (!p) return;
    this.addTrackInfo(p, data.track);
    this.emit("participant-updated", { participant: p });
  }

  onTrackUnpublished(data) {
    const p = this.remotes.get(data.participant_sid);
    const t = p?.tracks.get(data.track_sid);
    if (!t) return;
    this.removeTrack(p, t);
    this.emit("participant-updated", { participant: p });
  }

  removeTrack(p, t, { moving = false } = {}) {
    p.tracks.delete(t.info.sid);
    if (t.stream) this.emit("track-removed", { participant: p, track: t, moving });
  }

  onTrackMuted(data) {
    const p = this.remotes.get(data.participant_sid);
    const t = p?.tracks.get(data.track_sid);
    if (!t) return;
    t.info = { ...t.info, muted: data.muted };
    this.emit("track-muted", { participant: p, track: t, muted: data.muted });
  }

  /** onSubscriptionLayer records which layer of a remote video we get, and why (the
   * server pauses a video that even its lowest layer does not fit our bandwidth). */
  onSubscriptionLayer(data) {
    for (const p of this.remotes.values()) {
      const t = p.tracks.get(data.track_sid);
      if (!t) continue;
      t.layer = {
        quality: data.quality || "",
        width: data.width || 0,
        height: data.height || 0,
        paused: !!data.paused,
        reason: data.reason || "",
        estimateBps: data.estimate_bps || 0,
      };
      this.emit("track-layer", { participant: p, track: t, layer: t.layer });
      return;
    }
    // The track is not known yet (its track_published races with this): keep it.
    if (data.track_sid) this.earlyLayers.set(data.track_sid, data);
  }

  onRemoteMedia(ev) {
    // The server names the WebRTC track after the track sid and the stream after the
    // publisher's participant sid.
    const media = { track: ev.track, stream: ev.streams[0] || new MediaStream([ev.track]), receiver: ev.receiver };
    const trackSid = ev.track.id;
    const participantSid = ev.streams[0]?.id;
    let p = this.remotes.get(participantSid);
    let t = p?.tracks.get(trackSid);
    if (!t) {
      for (const candidate of this.remotes.values()) {
        if (candidate.tracks.has(trackSid)) {
          p = candidate;
          t = candidate.tracks.get(trackSid);
        }
      }
    }
    if (!t) {
      this.orphanMedia.set(trackSid, media);
      return;
    }
    this.bindMedia(p, t, media);
  }

  bindMedia(p, t, media) {
    t.media = media.track;
    t.stream = media.stream;
    t.receiver = media.receiver;
    media.track.addEventListener("ended", () => {
      if (p.tracks.get(t.info.sid) === t && t.media === media.track) this.removeTrack(p, t);
    });
    this.emit("track-added", { participant: p, track: t });
  }

  /** updateSubscription tells the server what this subscriber needs of a track. */
  updateSubscription(trackSid, { paused = false, quality, width, height } = {}) {
    if (!this.signal || this.state !== "connected") return;
    const data = { track_sid: trackSid, paused };
    if (quality) data.quality = quality;
    if (width) data.width = Math.round(width);
    if (height) data.height = Math.round(height);
    this.signal.request("update_subscription", data).catch((err) => this.log("debug", "update_subscription", err));
  }

  // ---- lobby ----

  onLobbyWaiting(data) {
    // A first join waits in state "waiting"; a rejoin after a lost connection stays
    // "reconnecting" (its retry loops go by that state).
    if (this.state !== "reconnecting") this.setState("waiting");
    this.emit("lobby-waiting", { room: data.room || "", identity: data.identity || "", name: data.name || "" });
  }

  /** cancelWait leaves the lobby while waiting: join() then rejects with code client_left. */
  cancelWait() {
    this.cancelBusyPause?.(); // between two knocks
    this.signal?.cancelWait();
  }

  onLobbyKnock(guest) {
    if (!guest?.identity) return;
    const known = this.lobby.has(guest.identity);
    this.lobby.set(guest.identity, guest);
    this.emitLobby(known ? null : guest);
  }

  onLobbyLeft(guest, reason) {
    if (!guest?.identity || !this.lobby.delete(guest.identity)) return;
    this.emitLobby(null, { left: guest, reason });
  }

  clearLobby() {
    if (this.lobby.size === 0) return;
    this.lobby.clear();
    this.emitLobby(null);
  }

  emitLobby(knocked, extra = {}) {
    const guests = [...this.lobby.values()].sort((a, b) => String(a.since || "").localeCompare(String(b.since || "")));
    this.emit("lobby", { guests, knocked, ...extra });
  }

  /** admitGuest lets a waiting guest in (needs the room_admin grant). */
  admitGuest(identity) {
    return this.decideGuest("lobby_admit", identity);
  }

  /** refuseGuest turns a waiting guest away (needs the room_admin grant). */
  refuseGuest(identity) {
    return this.decideGuest("lobby_refuse", identity);
  }

  async decideGuest(type, identity) {
    if (!this.signal) throw new SignalError("disconnected", "not connected");
    try {
      await this.signal.request(type, { identity });
    } catch (err) {
      // Someone else decided first, or the guest left: the list is out of date.
      if (err.code === "guest_not_waiting") this.onLobbyLeft({ identity }, "gone");
      throw err;
    }
  }

  // ---- data ----

  onData(data) {
    const payload = base64ToBytes(data.payload || "");
    const from = this.remotes.get(data.from_sid) || null;
    this.emit("data", { topic: data.topic || "", payload, from, fromIdentity: data.from_identity || "", kind: data.kind });
  }

  /** sendData sends bytes to the room (or to some identities) over the signalling
   * connection; reliable messages are acknowledged. */
  async sendData(topic, bytes, { reliable = true, to } = {}) {
    if (!this.signal) throw new SignalError("disconnected", "not connected");
    const data = { kind: reliable ? "reliable" : "lossy", topic, payload: bytesToBase64(bytes) };
    if (to && to.length) data.destination_identities = to;
    if (reliable) return this.signal.request("send_data", data);
    this.signal.send("send_data", data);
  }

  // ---- local tracks (see publications.js) ----

  publish(track, source, opts) {
    return this.pubs.publish(track, source, opts);
  }

  setMuted(source, muted) {
    return this.pubs.setMuted(source, muted);
  }

  replaceTrack(source, track) {
    return this.pubs.replaceTrack(source, track);
  }

  unpublish(source) {
    return this.pubs.unpublish(source);
  }

  // ---- leaving, closing, reconnecting ----

  onClose(data) {
    const reason = data.reason || "";
    if ((reason === "server_shutdown" || reason === "room_moved") && this.state === "connected") {
      // The node is going away (room_moved: its room goes on on another node): join
      // again through the same URL, which reaches the room's node now. The others do
      // the same: keep them on screen until they are back (roommove.js).
      this.move.hold();
      this.reconnect("shutdown");
      return;
    }
    this.finish(reason, data.message);
  }

  finish(reason, message, error) {
    if (this.state === "closed") return;
    this.move.stop();
    this.signal?.close();
    this.signal = null;
    this.closePeerConnections();
    this.setState("closed", { reason, message, error });
  }

  /** leave tells the server and closes everything; local tracks are stopped by the caller. */
  async leave() {
    if (this.signal && this.state === "connected") {
      try {
        await this.signal.request("leave", undefined, 2000);
      } catch {
        // leaving anyway
      }
    }
    this.finish("client_left");
  }

  /** reconnect recovers after the signalling connection dropped: resume while the
   * server keeps the session, else join afresh. One runs at a time. */
  reconnect(why) {
    if (this.reconnecting || this.state === "closed") return this.reconnecting;
    this.reconnecting = this.runReconnect(why).finally(() => {
      this.reconnecting = null;
    });
    return this.reconnecting;
  }

  async runReconnect(why) {
    this.setState("reconnecting", { why });
    const oldSignal = this.signal;
    this.signal = null;
    oldSignal?.close();
    const deadline = Date.now() + this.resumeGraceMs;
    let delay = 300;
    let canResume = why === "network" && this.me?.sid;
    while (canResume && Date.now() < deadline && this.state === "reconnecting") {
      let wait = delay;
      try {
        const msg = await this.openSignal(this.me.sid);
        if (msg.type === "resumed") {
          await this.onResumed(msg.data);
          return;
        }
        // The server answered a resume with a fresh join: treat it as one.
        await this.onRejoined(msg.data);
        return;
      } catch (err) {
        const code = err.code || "";
        this.log("debug", `resume failed: ${code}`, err);
        if (code === "resume_unavailable" || err.status === 410) canResume = false;
        else if (err.status === 401 || err.status === 403) return this.finish("", "", err);
        wait = sessionRetryWaitMs(err, delay);
      }
      await sleep(wait);
      delay = Math.min(delay * 2, 3000);
    }
    await this.freshJoin(why === "shutdown" ? Date.now() + 60000 : Date.now() + 120000);
  }

  async onResumed(data) {
    // The server says again who waits (lobby_knock after resumed): start afresh.
    this.clearLobby();
    this.me = data.participant || this.me;
    if (data.resume_grace_ms > 0) this.resumeGraceMs = data.resume_grace_ms;
    // The server keeps our tracks and subscriptions and restarts ICE on the
    // subscriber itself; we restart it on the publisher.
    for (const p of data.others || []) this.onParticipantJoined(p);
    const known = new Set((data.others || []).map((p) => p.sid));
    if (data.others) {
      for (const p of [...this.remotes.values()]) {
        // A moving entry waits for its owner on this node still (its grace runs).
        if (!known.has(p.info.sid) && !p.moving) this.onParticipantLeft(p.info, "");
      }
    }
    this.setState("connected", { resumed: true });
    await this.negotiate(true).catch(() => {});
    // A mute asked while the connection was down never reached the server: say it again.
    for (const pub of this.pubs.bySource.values()) {
      if (pub.sid && pub.muted) this.signal?.request("mute", { track_sid: pub.sid, muted: true }).catch(() => {});
    }
  }

  async freshJoin(deadline) {
    let delay = 500;
    while (Date.now() < deadline && this.state === "reconnecting") {
      let wait = delay;
      try {
        const msg = await this.openSignal("");
        await this.onRejoined(msg.data);
        return;
      } catch (err) {
        this.log("debug", `rejoin failed: ${err.code}`, err);
        // Refused at the lobby's door: never knock again by ourselves.
        if (err.code === "lobby_refused") return this.finish("lobby_refused", err.message);
        if (err.code === "token_expired" && this.refreshToken) {
          try {
            this.token = await this.refreshToken();
            continue;
          } catch (e) {
            return this.finish("", "", e);
          }
        }
        if (err.status === 401 || err.status === 403) return this.finish("", err.message, err);
        wait = sessionRetryWaitMs(err, delay);
      }
      await sleep(wait);
      delay = Math.min(delay * 2, 5000);
    }
    if (this.state === "reconnecting") this.finish("resume_timeout");
  }

  async onRejoined(join) {
    this.closePeerConnections();
    // After a room move the held entries stay for their owners to claim; any other
    // rejoin starts from the join answer.
    for (const p of [...this.remotes.values()]) if (!p.moving) this.onParticipantLeft(p.info, "");
    this.orphanMedia.clear();
    this.earlyLayers.clear();
    this.negotiation = Promise.resolve();
    this.queuedNegotiation = null;
    this.subQueue = Promise.resolve();
    const moved = this.move.held;
    this.onJoined(join);
    this.move.startGrace();
    this.setState("connected", { rejoined: true, moved });
    await this.pubs.republishAll();
  }

  /** stats returns getStats() of both connections (tests, the debug overlay). */
  async stats() {
    const out = {};
    for (const [name, pc] of [["publisher", this.publisher], ["subscriber", this.subscriber]]) {
      out[name] = pc ? [...(await pc.getStats()).values()] : [];
    }
    return out;
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** bytesToBase64 encodes bytes as the protocol's base64 payload. */
export function bytesToBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** base64ToBytes decodes a base64 payload; bad input gives no bytes. */
export function base64ToBytes(b64) {
  try {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}

export { simulcastLayers, sendEncodings, layerInfo };

/** mediaPathOf names a local candidate's path as vocab.MediaPathOf does on the server
 * side: a relay by how the relay is reached, otherwise by the transport protocol. */
export function mediaPathOf(candidateType, protocol, relayProtocol) {
  if (candidateType === "relay") {
    if (relayProtocol === "tls") return "turn-tls";
    if (relayProtocol === "tcp") return "turn-tcp";
    return "turn-udp";
  }
  if (protocol === "tcp") return "tcp";
  if (protocol === "udp") return "udp";
  return "";
}
