// signalling: the client side of Ensemble's WebSocket protocol (/rtc), usable on its
// own. One SignalClient is one WebSocket session: connect() resolves with the server's
// first message (join or resumed), request() sends a message with a req_id and
// resolves with the server's answer to it, and every server message is dispatched as
// a CustomEvent named after its type, with detail {data, reqId, handled}.
//
// A browser cannot read the body of a refused WebSocket upgrade, so when connect()
// fails, preflight() repeats the request as a plain fetch, which the server answers
// with the status and {code, message} the upgrade would have had (426 if all is well).

import { parseRetryAfter } from "./busy.js";

export const PROTOCOL_VERSION = 1;

/** SignalError is a refusal by the server or a failure to reach it. */
export class SignalError extends Error {
  /** retryAfter: the seconds a 503's Retry-After asked for (0: none). */
  constructor(code, message, status = 0, retryAfter = 0) {
    super(message || code);
    this.name = "SignalError";
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** rtcURL turns the url the join endpoint gave (ws(s)://host[/rtc] or http(s)://…)
 * or, when empty, the page's own origin into the /rtc WebSocket address. */
export function rtcURL(url, base = globalThis.location?.href) {
  const u = new URL(url || "/rtc", base);
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.protocol === "https:") u.protocol = "wss:";
  if (!u.pathname.endsWith("/rtc")) u.pathname = u.pathname.replace(/\/?$/, "/rtc");
  u.search = "";
  u.hash = "";
  return u.toString();
}

/** rtcQuery builds the query of /rtc. Naming the room makes the server refuse a
 * token minted for another room (wrong_room) instead of joining that room. */
export function rtcQuery(token, resume, room) {
  const q = new URLSearchParams({ access_token: token, protocol: String(PROTOCOL_VERSION) });
  if (room) q.set("room", room);
  if (resume) q.set("resume", resume);
  return q.toString();
}

/** preflight asks the server why a connection to /rtc with this token would be
 * refused: it repeats the same URL as a plain fetch, which the server checks as it
 * checks an upgrade (answering 426 when all is well, since it is not an upgrade).
 * It resolves with {ok: true}, {status, code, message, retryAfter} for a refusal
 * (retryAfter: the seconds of the Retry-After header, 0 without one), or
 * {unreachable: true} when no HTTP answer came. */
export async function preflight(url, token, resume, room, fetchImpl = globalThis.fetch) {
  const u = new URL(rtcURL(url));
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  u.search = rtcQuery(token, resume, room);
  let res;
  try {
    res = await fetchImpl(u.toString(), { cache: "no-store", credentials: "omit" });
  } catch {
    return { unreachable: true };
  }
  if (res.ok || res.status === 426) return { ok: true };
  let body = {};
  try {
    body = await res.json();
  } catch {
    // not JSON: keep the status only
  }
  const code = body.code || `http_${res.status}`;
  return {
    status: res.status,
    code,
    message: body.message || body.detail || res.statusText,
    retryAfter: parseRetryAfter(res.headers?.get?.("Retry-After")),
  };
}

export class SignalClient extends EventTarget {
  /**
   * @param {string} url   the /rtc address (see rtcURL)
   * @param {string} token the access token
   * @param {object} [opts] room: the room the page is for; resume: the participant sid to resume; WebSocket: a
   *   constructor (tests); connectTimeoutMs; log: a function(level, msg, data)
   */
  constructor(url, token, opts = {}) {
    super();
    this.url = rtcURL(url);
    this.token = token;
    this.resume = opts.resume || "";
    this.room = opts.room || "";
    this.WebSocket = opts.WebSocket || globalThis.WebSocket;
    this.connectTimeoutMs = opts.connectTimeoutMs || 10000;
    this.log = opts.log || (() => {});
    this.ws = null;
    this.nextReqId = 1;
    this.pending = new Map(); // req_id -> {resolve, reject, timer, type}
    this.joined = false;
    this.waiting = false; // in the room's lobby: connected, not joined yet
    this.wasWaiting = false; // the server said lobby_waiting on this connection
    this.closing = false; // we closed, or the server sent close: no "disconnect"
    this.pingTimer = 0;
    this.lastHeard = 0;
    this.rtt = 0;
  }

  /** connect opens the WebSocket and resolves with {type, data} of the first message
   * (join or resumed); it rejects with a SignalError. In a room with a lobby the
   * server first says lobby_waiting (dispatched as an event): connect then resolves
   * when a room admin lets the guest in, and rejects with code lobby_refused when
   * one refuses (or with the close reason or error code that ended the wait). */
  connect() {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          this.ws?.close();
        } catch {
          // already closed
        }
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new SignalError("timeout", "no answer from the server")),
        this.connectTimeoutMs,
      );
      let ws;
      try {
        ws = new this.WebSocket(`${this.url}?${rtcQuery(this.token, this.resume, this.room)}`);
      } catch (err) {
        fail(new SignalError("bad_url", String(err)));
        return;
      }
      this.ws = ws;
      ws.onmessage = (ev) => {
        const msg = this.decode(ev.data);
        if (!msg) return;
        if (!settled) {
          if (msg.type === "lobby_waiting") {
            // A room with a lobby: the wait lasts until a room admin decides, so the
            // connect timeout no longer applies; keep the socket alive with pings.
            clearTimeout(timer);
            this.waiting = true;
            this.wasWaiting = true;
            this.startPing(msg.data?.ping_interval_ms);
            this.dispatch(msg, false);
            return;
          }
          if (msg.type === "join" || msg.type === "resumed") {
            this.waiting = false;
            settled = true;
            clearTimeout(timer);
            this.joined = true;
            this.startPing(msg.data?.ping_interval_ms);
            resolve(msg);
            this.dispatch(msg, false);
            return;
          }
          if (msg.type === "pong") return; // pings while waiting in the lobby
          if (msg.type === "error" || msg.type === "close") {
            const d = msg.data || {};
            this.closing = true;
            this.waiting = false;
            fail(new SignalError(d.code || d.reason || "refused", d.message));
            return;
          }
        }
        this.onMessage(msg);
      };
      ws.onclose = (ev) => {
        this.stopPing();
        this.rejectAll(new SignalError("disconnected", "connection closed"));
        if (!settled) {
          fail(new SignalError("connect_failed", `connection closed (${ev.code})`));
          return;
        }
        if (!this.closing) {
          this.dispatchEvent(new CustomEvent("disconnect", { detail: { code: ev.code, reason: ev.reason } }));
        }
      };
    });
  }

  decode(text) {
    this.lastHeard = Date.now();
    try {
      const msg = JSON.parse(text);
      if (msg && typeof msg.type === "string") return msg;
    } catch {
      // fall through
    }
    this.log("warn", "signalling: undecodable message", text);
    return null;
  }

  onMessage(msg) {
    let handled = false;
    if (msg.req_id && this.pending.has(msg.req_id)) {
      const p = this.pending.get(msg.req_id);
      this.pending.delete(msg.req_id);
      clearTimeout(p.timer);
      handled = true;
      if (msg.type === "error") {
        p.reject(new SignalError(msg.data?.code || "error", msg.data?.message));
      } else {
        p.resolve(msg);
      }
    }
    if (msg.type === "pong" && msg.data?.timestamp) {
      this.rtt = Date.now() - msg.data.timestamp;
    }
    if (msg.type === "close") this.closing = true;
    this.dispatch(msg, handled);
  }

  dispatch(msg, handled) {
    this.dispatchEvent(new CustomEvent(msg.type, { detail: { data: msg.data || {}, reqId: msg.req_id || 0, handled } }));
  }

  /** send sends a message that needs no answer. It returns false when the socket is not open. */
  send(type, data, reqId) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    const env = { type };
    if (reqId) env.req_id = reqId;
    if (data !== undefined) env.data = data;
    this.ws.send(JSON.stringify(env));
    return true;
  }

  /** request sends a message with a req_id and resolves with the server's message
   * that carries the same req_id (ack, answer, track_published, …); an error
   * message rejects it. */
  request(type, data, timeoutMs = 15000) {
    const reqId = this.nextReqId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new SignalError("timeout", `no answer to ${type}`));
      }, timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer, type });
      if (!this.send(type, data, reqId)) {
        clearTimeout(timer);
        this.pending.delete(reqId);
        reject(new SignalError("disconnected", "not connected"));
      }
    });
  }

  rejectAll(err) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  /** startPing pings every interval and drops the connection when the server has
   * been silent for three intervals: a dead network often leaves a WebSocket open
   * for minutes. */
  startPing(intervalMs) {
    const every = intervalMs > 0 ? intervalMs : 5000;
    this.lastHeard = Date.now();
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > 3 * every + 2000) {
        this.log("warn", "signalling: server silent, dropping the connection");
        this.drop();
        return;
      }
      this.send("ping", { timestamp: Date.now() });
    }, every);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = 0;
  }

  /** cancelWait leaves the lobby: the server answers with close client_left, which
   * makes connect reject with that code. Without an answer the socket is closed. */
  cancelWait() {
    if (!this.waiting) return;
    if (!this.send("leave", undefined)) return;
    setTimeout(() => this.waiting && this.ws?.close(1000, "left the lobby"), 2000);
  }

  /** drop closes the socket as a network failure would: a "disconnect" event follows. */
  drop() {
    this.stopPing();
    try {
      this.ws?.close(4000, "dropped by client");
    } catch {
      // already closed
    }
  }

  /** close ends the session on purpose: no "disconnect" event follows. */
  close() {
    this.closing = true;
    this.stopPing();
    this.rejectAll(new SignalError("closed", "closed"));
    try {
      this.ws?.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}
