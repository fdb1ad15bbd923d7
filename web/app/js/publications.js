// publications: the participant's own tracks. Publishing follows the protocol:
// declare the track with add_track (cid = MediaStreamTrack.id, the id the server
// finds in the SDP), add it to the publisher connection (the camera with simulcast
// encodings), then renegotiate. The server's track_published carrying our cid gives
// the track's sid, which mute and unpublish need. The server's publisher_layers
// (dynacast) turns simulcast encodings nobody receives off, and back on.

import { simulcastLayers, sendEncodings, layerInfo } from "./layers.js";

export class Publications {
  constructor(session) {
    this.session = session;
    this.bySource = new Map(); // source -> pub
    this.stream = new MediaStream(); // one msid stream for all our tracks
  }

  byCid(cid) {
    for (const pub of this.bySource.values()) if (pub.cid === cid) return pub;
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
    const pub = this.byCid(cid);
    if (!pub || !info?.sid) return;
    const first = !pub.sid;
    pub.sid = info.sid;
    pub.info = info;
    pub.sidReady(info.sid);
    if (first) this.changed(pub.source, pub);
  }

  /** setMuted mutes or unmutes a publication: the track is disabled (silence or
   * black) and the server tells the others. */
  async setMuted(source, muted) {
    const pub = this.bySource.get(source);
    if (!pub) return;
    pub.muted = muted;
    if (pub.track) pub.track.enabled = !muted;
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
    this.changed(source, pub);
  }

  async unpublish(source) {
    const pub = this.bySource.get(source);
    if (!pub) return;
    this.bySource.delete(source);
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
    for (const pub of old) {
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
