// publications: the participant's own tracks. Publishing follows the protocol:
// declare the track with add_track (cid = MediaStreamTrack.id, the id the server
// finds in the SDP), add it to the publisher connection (the camera with simulcast
// encodings), then renegotiate. The server's track_published carrying our cid gives
// the track's sid, which mute and unpublish need. The server's publisher_layers
// (dynacast) turns simulcast encodings nobody receives off, and back on.

import { simulcastLayers, sendEncodings, layerInfo } from "./layers.js";
import { backupCodecs, backupEncoding } from "./backup.js";

export class Publications {
  constructor(session) {
    this.session = session;
    this.bySource = new Map(); // source -> pub
    this.stream = new MediaStream(); // one msid stream for all our tracks
    this.backupWanted = new Map(); // track sid -> {mimeType, enabled}, from publisher_backup
  }

  byCid(cid) {
    for (const pub of this.bySource.values()) if (pub.cid === cid) return pub;
    return null;
  }

  bySid(sid) {
    for (const pub of this.bySource.values()) if (pub.sid && pub.sid === sid) return pub;
    return null;
  }

  get(source) {
    return this.bySource.get(source) || null;
  }

  changed(source, pub) {
    this.session.emit("local-track", { source, pub });
  }

  /** publish publishes track as source (camera, microphone, screen_share, …). */
  async publish(track, source, { muted = false, simulcast = source === "camera" } = {}) {
    if (this.bySource.has(source)) await this.unpublish(source);
    const settings = track.getSettings ? track.getSettings() : {};
    const width = settings.width || 0;
    const height = settings.height || 0;
    const layers = track.kind === "video" && simulcast ? simulcastLayers(width, height) : [];
    let sidReady;
    const pub = {
      source,
      track,
      cid: track.id,
      kind: track.kind,
      muted,
      width,
      height,
      layers,
      sid: "",
      transceiver: null,
      sidPromise: new Promise((r) => (sidReady = r)),
      sidReady,
    };
    this.bySource.set(source, pub);
    await this.declare(pub);
    this.changed(source, pub);
    return pub;
  }

  /** declare sends add_track, adds the transceiver and renegotiates. */
  async declare(pub) {
    const s = this.session;
    const req = {
      cid: pub.cid,
      name: pub.source,
      kind: pub.kind,
      source: pub.source,
      muted: pub.muted,
    };
    if (pub.width) req.width = pub.width;
    if (pub.height) req.height = pub.height;
    if (pub.layers.length) req.layers = layerInfo(pub.layers);
    const res = await s.signal.request("add_track", req);
    if (res.type === "track_published") this.acknowledge(pub.cid, res.data.track);
    const init = { direction: "sendonly", streams: [this.stream] };
    if (pub.layers.length) init.sendEncodings = sendEncodings(pub.layers);
    pub.transceiver = s.publisher.addTransceiver(pub.track, init);
    if (pub.kind === "video") preferCodecs(pub.transceiver, pub.layers.length > 0);
    if (pub.source === "screen_share" && pub.track.contentHint !== undefined) pub.track.contentHint = "detail";
    await s.negotiate();
    // A publisher_layers that came before the sender could take it is applied now.
    if (pub.wantedLayers) this.queueLayers(pub);
  }

  /** setLayers obeys publisher_layers: the encodings of the track's simulcast layers
   * are made active or not ({quality, enabled} each; a quality not listed is left
   * as is). The lowest layer is never turned off. Calls are queued per publication,
   * because setParameters refuses parameters read before another call changed them. */
  setLayers(trackSid, layers) {
    const pub = [...this.bySource.values()].find((p) => p.sid && p.sid === trackSid);
    if (!pub || pub.layers.length === 0) return Promise.resolve(false);
    pub.wantedLayers = new Map((layers || []).map((l) => [l.quality, !!l.enabled]));
    return this.queueLayers(pub);
  }

  /** queueLayers applies pub.wantedLayers after any call still running. */
  queueLayers(pub) {
    const run = () => this.applyLayers(pub);
    pub.layerQueue = (pub.layerQueue || Promise.resolve()).then(run, run);
    return pub.layerQueue.catch((err) => {
      this.session.log("warn", "publisher_layers: setParameters failed", err);
      return false;
    });
  }

  async applyLayers(pub) {
    const sender = pub.transceiver?.sender;
    if (!sender || !pub.wantedLayers) return false;
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length === 0) return false;
    let changed = false;
    for (const enc of params.encodings) {
      const layer = pub.layers.find((l) => l.rid === enc.rid);
      if (!layer || !pub.wantedLayers.has(layer.quality)) continue;
      const active = layer === pub.layers[0] || pub.wantedLayers.get(layer.quality);
      if (enc.active !== active) {
        enc.active = active;
        changed = true;
      }
    }
    if (changed) await sender.setParameters(params);
    pub.activeLayers = Object.fromEntries(params.encodings.map((e) => [e.rid, e.active !== false]));
    this.changed(pub.source, pub);
    return changed;
  }

  acknowledge(cid, info) {
    if (!info?.sid) return;
    for (const p of this.bySource.values()) {
      if (p.backup?.cid === cid) p.backup.sid = info.sid;
    }
    const pub = this.byCid(cid);
    if (!pub) return;
    const first = !pub.sid;
    pub.sid = info.sid;
    pub.info = info;
    pub.sidReady(info.sid);
    if (first) this.changed(pub.source, pub);
    // A publisher_backup that came before our track_published is obeyed now.
    if (first && this.backupWanted.has(pub.sid)) this.queueBackup(pub);
  }

  /** setBackup obeys publisher_backup: while enabled, someone in the room cannot
   * decode the track's codec but decodes mimeType, and the track is sent a second
   * time in mimeType (a clone of the track on a sender of its own, declared with
   * backup_of) until the server says nobody needs it. A browser that cannot encode
   * mimeType ignores the request. Calls are queued per publication, as each
   * renegotiates. */
  setBackup(trackSid, mimeType, enabled) {
    this.backupWanted.set(trackSid, { mimeType, enabled: !!enabled });
    const pub = this.bySid(trackSid);
    if (!pub) return Promise.resolve(false); // obeyed when our track_published comes
    return this.queueBackup(pub);
  }

  queueBackup(pub) {
    const run = () => this.applyBackup(pub);
    pub.backupQueue = (pub.backupQueue || Promise.resolve()).then(run, run);
    return pub.backupQueue.catch((err) => {
      this.session.log("warn", "publisher_backup: the backup could not be sent", err);
      return false;
    });
  }

  async applyBackup(pub) {
    const want = this.backupWanted.get(pub.sid);
    const wanted = !!want?.enabled && pub.kind === "video" && this.bySource.get(pub.source) === pub && !!pub.track;
    if (pub.backup && (!wanted || pub.backup.mimeType !== want.mimeType)) await this.stopBackup(pub, true);
    if (!wanted || pub.backup) return false;
    const s = this.session;
    const caps = globalThis.RTCRtpSender?.getCapabilities?.("video");
    const codecs = backupCodecs(want.mimeType, caps);
    if (codecs.length === 0 || !s.publisher || !s.signal) {
      s.log("info", `publisher_backup: this browser cannot send ${want.mimeType}; the backup is not sent`);
      return false;
    }
    const track = pub.track.clone();
    track.enabled = !pub.muted;
    const enc = backupEncoding(pub.width, pub.height);
    const backup = { cid: track.id, track, mimeType: want.mimeType, sid: "", transceiver: null };
    pub.backup = backup;
    const req = {
      cid: backup.cid,
      name: pub.source,
      kind: "video",
      source: pub.source,
      muted: pub.muted,
      backup_of: pub.sid,
      mime_type: want.mimeType,
    };
    if (enc.width) req.width = enc.width;
    if (enc.height) req.height = enc.height;
    const res = await s.signal.request("add_track", req);
    if (res.type === "track_published") backup.sid = res.data.track.sid;
    if (pub.backup !== backup) return false; // the track was unpublished meanwhile
    // backup.track, not track: the camera may have changed or gone meanwhile.
    backup.transceiver = s.publisher.addTransceiver(backup.track || "video", {
      direction: "sendonly",
      streams: [this.stream],
      sendEncodings: [{ scaleResolutionDownBy: enc.scaleResolutionDownBy, maxBitrate: enc.maxBitrate }],
    });
    // The codec list pins the backup's codec; a browser that refuses it would send
    // its default codec, which the server does not take as a backup: stop then.
    try {
      backup.transceiver.setCodecPreferences(codecs);
    } catch (err) {
      await this.stopBackup(pub, true);
      throw err;
    }
    await s.negotiate();
    this.changed(pub.source, pub);
    return true;
  }

  /** stopBackup stops the backup's sender and clone; with unpublish, also tells the
   * server (which removes a backup by itself when its track is unpublished). */
  async stopBackup(pub, unpublish) {
    const b = pub.backup;
    if (!b) return;
    pub.backup = null;
    const s = this.session;
    if (b.transceiver && s.publisher) {
      try {
        s.publisher.removeTrack(b.transceiver.sender);
        b.transceiver.stop();
      } catch {
        // the connection is already closed
      }
    }
    b.track?.stop();
    if (unpublish && b.sid && s.signal) {
      await s.signal.request("unpublish", { track_sid: b.sid }).catch((err) => s.log("warn", "unpublish backup", err));
    }
    if (unpublish) await s.negotiate().catch(() => {});
  }

  /** setMuted mutes or unmutes a publication: the track is disabled (silence or
   * black) and the server tells the others. */
  async setMuted(source, muted) {
    const pub = this.bySource.get(source);
    if (!pub) return;
    pub.muted = muted;
    if (pub.track) pub.track.enabled = !muted;
    if (pub.backup?.track) pub.backup.track.enabled = !muted;
    this.changed(source, pub);
    const sid = await pub.sidPromise;
    await this.session.signal?.request("mute", { track_sid: sid, muted });
  }

  /** replaceTrack swaps the media of a publication (a new camera, the camera turned
   * back on) without renegotiating; null stops sending. */
  async replaceTrack(source, track) {
    const pub = this.bySource.get(source);
    if (!pub) return;
    pub.track = track;
    if (pub.transceiver) await pub.transceiver.sender.replaceTrack(track);
    if (pub.backup) {
      // The backup sends a clone of its own: a clone keeps the camera open, so
      // the old one is stopped whether a new track comes or none (camera off).
      const old = pub.backup.track;
      pub.backup.track = track ? track.clone() : null;
      if (pub.backup.track) pub.backup.track.enabled = !pub.muted;
      await pub.backup.transceiver?.sender.replaceTrack(pub.backup.track);
      old?.stop();
    } else if (track && this.backupWanted.get(pub.sid)?.enabled) {
      this.queueBackup(pub); // asked while the camera was off
    }
    this.changed(source, pub);
  }

  async unpublish(source) {
    const pub = this.bySource.get(source);
    if (!pub) return;
    this.bySource.delete(source);
    if (pub.sid) this.backupWanted.delete(pub.sid);
    await this.stopBackup(pub, false); // the server removes it with its track
    const s = this.session;
    if (pub.transceiver && s.publisher) {
      try {
        s.publisher.removeTrack(pub.transceiver.sender);
        pub.transceiver.stop();
      } catch {
        // the connection is already closed
      }
    }
    this.changed(source, null);
    if (pub.sid && s.signal) {
      await s.signal.request("unpublish", { track_sid: pub.sid }).catch((err) => s.log("warn", "unpublish", err));
    }
    await s.negotiate().catch(() => {});
  }

  /** republishAll publishes every track again on new connections (after a fresh join). */
  async republishAll() {
    const old = [...this.bySource.values()];
    this.backupWanted.clear(); // the server asks again for the new tracks
    for (const pub of old) {
      await this.stopBackup(pub, false); // its sender went with the old connection
      let sidReady;
      pub.sid = "";
      pub.transceiver = null;
      pub.wantedLayers = null; // new encodings start all active; the server says again
      pub.activeLayers = null;
      pub.sidPromise = new Promise((r) => (sidReady = r));
      pub.sidReady = sidReady;
      if (!pub.track || pub.track.readyState === "ended") {
        this.bySource.delete(pub.source);
        continue;
      }
      try {
        await this.declare(pub);
        if (pub.muted) await this.setMuted(pub.source, true);
      } catch (err) {
        this.session.log("warn", `republishing ${pub.source} failed`, err);
      }
    }
  }
}

/** preferCodecs puts VP8 first for simulcast (every SFU layer switch works with it)
 * and leaves the browser's order otherwise. */
function preferCodecs(transceiver, simulcast) {
  if (!simulcast || !transceiver.setCodecPreferences || !globalThis.RTCRtpReceiver?.getCapabilities) return;
  const caps = RTCRtpReceiver.getCapabilities("video");
  if (!caps) return;
  const vp8 = caps.codecs.filter((c) => c.mimeType.toLowerCase() === "video/vp8");
  const rest = caps.codecs.filter((c) => c.mimeType.toLowerCase() !== "video/vp8");
  if (vp8.length === 0) return;
  try {
    transceiver.setCodecPreferences([...vp8, ...rest]);
  } catch {
    // some browsers refuse a list with rtx/red entries: keep the default order
  }
}
