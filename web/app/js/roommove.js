// roommove: the others stay on screen while the room moves to another node.
//
// A node that drains closes its sessions with room_moved (server_shutdown when its
// drain ran out of time); every client joins again through the same URL and lands
// on the room's new node as a NEW participant: new SID, tracks published again.
// Without more, each client would see everybody leave and come back. Instead the
// session keeps the others it knew as "moving" entries, keyed by identity (the one
// thing a participant's new session shares with its old one), and the first
// participant of the new node with the same identity takes its entry over: same
// object, new info and SID, new tracks; no participant-left or -joined events.
// Entries nobody claims within MOVE_GRACE_MS of our own rejoin are removed then, as
// a normal leave.

// MOVE_GRACE_MS is how long, after our own rejoin, an entry waits for its owner.
// Every client of the drained node is told at the same moment and rejoins at once;
// one that misses the new node's first seconds retries with back-off (0.5, 1, 2, 4 s:
// freshJoin), so it is back within about 8 s. 15 s covers that with room to spare,
// yet someone who really left during the move does not linger long as a frozen tile.
export const MOVE_GRACE_MS = 15000;

export class RoomMove {
  /** @param {import("./session.js").Session} session */
  constructor(session) {
    this.session = session;
    this.graceMs = MOVE_GRACE_MS;
    this.waiting = new Map(); // identity -> remote entry whose owner has not come back yet
    this.timer = 0;
  }

  /** held says whether entries wait for their owners. */
  get held() {
    return this.waiting.size > 0;
  }

  /**
   * hold keeps every remote as a moving entry: its old tracks are gone (the old
   * node's media ends with its connection), removed with track-removed {moving: true}
   * so that the UI may keep the last picture; the entry stays in session.remotes
   * under its old SID until claimed. A second move before the claims (the new node
   * drains too) keeps the unclaimed ones and adds the claimed ones again.
   */
  hold() {
    const s = this.session;
    clearTimeout(this.timer);
    for (const p of s.remotes.values()) {
      const already = p.moving;
      // Moving before its tracks go, so that the UI keeps what the tile shows.
      p.moving = true;
      for (const t of [...p.tracks.values()]) s.removeTrack(p, t, { moving: true });
      // Without an identity nobody can claim the entry: it leaves after the grace.
      this.waiting.set(p.info.identity || `sid:${p.info.sid}`, p);
      if (!already) s.emit("participant-moving", { participant: p });
    }
  }

  /**
   * claim lets a participant of the new node take over the moving entry with its
   * identity: the entry is re-keyed by the new SID where it was in session.remotes
   * (the order of arrival is kept) and the new tracks bind to it. It returns the
   * entry, or null when no entry waits for this identity.
   */
  claim(info) {
    const p = info.identity ? this.waiting.get(info.identity) : null;
    if (!p) return null;
    this.waiting.delete(info.identity);
    if (!this.held) clearTimeout(this.timer);
    const s = this.session;
    const oldSid = p.info.sid;
    s.remotes = new Map([...s.remotes].map(([sid, e]) => (e === p ? [info.sid, p] : [sid, e])));
    p.info = info;
    p.moving = false;
    s.emit("participant-moved", { participant: p, oldSid });
    return p;
  }

  /** startGrace starts the wait for the owners, once we are on the new node. */
  startGrace() {
    clearTimeout(this.timer);
    if (this.held) this.timer = setTimeout(() => this.expire(), this.graceMs);
  }

  /** expire removes the entries nobody claimed, as leaves (the UI says they left). */
  expire() {
    clearTimeout(this.timer);
    const gone = [...this.waiting.values()];
    this.waiting.clear();
    for (const p of gone) {
      p.moving = false;
      this.session.onParticipantLeft(p.info, "");
    }
  }

  /** stop forgets the waiting entries without events (the session is closing). */
  stop() {
    clearTimeout(this.timer);
    this.waiting.clear();
  }
}
