// app: the page's entry point. It picks the screen from the address (/ is the home
// page, /<room> a meeting), gets a token (from #token=… or the guest endpoint),
// joins, and shows what went wrong in words people understand.

import { t, translate, language } from "./i18n.js";
import { Session } from "./session.js";
import { rtcURL } from "./signalling.js";
import { fragmentToken, forgetToken, guestToken, tokenClaims, TokenError } from "./token.js";
import { Banner } from "./ui/banner.js";
import { Prejoin } from "./ui/prejoin.js";
import { Meeting } from "./meeting.js";
import { stopTrack } from "./media.js";
import { account } from "./account.js";
import { HostHome } from "./ui/host.js";

const ROOM_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const $ = (id) => document.getElementById(id);

// Tests read the live state here (peer connections, stats, tiles).
const exposed = (globalThis.__ensemble = { ready: false, session: null, meeting: null, inbound, outbound });

function show(screen) {
  for (const el of document.querySelectorAll("main > .screen")) el.hidden = el.id !== `screen-${screen}`;
  exposed.screen = screen;
  document.body.dataset.screen = screen;
}

async function main() {
  document.documentElement.lang = language();
  translate(document);
  const banner = new Banner($("banner"));
  const room = decodeURIComponent(location.pathname.slice(1));
  // Who is signed in (when the server has sign-in): hosts get their home page, and
  // everyone's name is proposed on the pre-join screen.
  const me = await account();
  exposed.account = me;
  if (!room) {
    if (me.signedIn && me.host) {
      hostHome(me);
    } else {
      home("", me);
    }
  } else if (!ROOM_RE.test(room)) {
    home(t("home.invalid"), me);
  } else {
    prejoin(room, banner, me);
  }
  exposed.ready = true;
}

/** hostHome is the signed-in host's page: meetings to start, schedule and manage. */
function hostHome(me) {
  show("host");
  document.title = `${t("host.heading")} – ${t("app.title")}`;
  const ui = new HostHome({ name: me.name || me.email, exposed });
  exposed.host = ui;
  ui.show();
}

/** accountBar says who is signed in on the guest home page, or offers to sign in. */
function accountBar(me) {
  if (!me.enabled) return;
  $("home-account").hidden = false;
  const text = $("home-account-text");
  if (me.signedIn) {
    text.textContent = t(me.host ? "account.signedIn" : "account.notHost", { name: me.name || me.email });
    $("home-signout").hidden = false;
  } else {
    // A failed sign-in comes back with ?signin_error=<code>.
    const failed = new URLSearchParams(location.search).get("signin_error");
    if (failed) history.replaceState(null, "", location.pathname + location.hash);
    text.textContent = failed ? t("account.failed", { code: failed }) : me.error ? t("account.ended") : "";
    $("home-signin").hidden = false;
  }
}

function home(error = "", me = {}) {
  show("home");
  document.title = t("app.title");
  accountBar(me);
  const input = $("home-room");
  const err = $("home-error");
  err.textContent = error;
  $("home-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const name = input.value.trim().replace(/^.*\//, "");
    if (!ROOM_RE.test(name)) {
      err.textContent = t("home.invalid");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    location.assign(`/${encodeURIComponent(name)}`);
  });
  $("home-new").addEventListener("click", () => location.assign(`/${newRoomName()}`));
  input.focus();
}

/** newRoomName makes a name like abc-defg-hij from random letters. */
export function newRoomName() {
  const letters = "abcdefghijkmnopqrstuvwxyz";
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const s = Array.from(bytes, (b) => letters[b % letters.length]).join("");
  return `${s.slice(0, 3)}-${s.slice(3, 7)}-${s.slice(7)}`;
}

function prejoin(room, banner, me = {}) {
  show("prejoin");
  document.title = `${room} – ${t("app.title")}`;
  const fromLink = fragmentToken(room);
  const claims = fromLink ? tokenClaims(fromLink) : {};
  const ui = new Prejoin({ onJoin: (choice) => join(room, fromLink, choice, banner) });
  ui.show({ room, name: claims.name || (me.signedIn ? me.name : "") || "" });
  window.addEventListener("pagehide", () => ui.release());
}

async function join(room, fromLink, choice, banner) {
  let token = fromLink;
  let url = "";
  if (!token) {
    try {
      const g = await guestToken(room, choice.name);
      token = g.token;
      url = g.url || "";
    } catch (err) {
      throw new Error(err instanceof TokenError ? t(err.key, err.vars) : String(err));
    }
  }
  const session = new Session({
    url: rtcURL(url),
    token,
    room,
    refreshToken: fromLink ? null : async () => (await guestToken(room, choice.name)).token,
  });
  exposed.session = session;
  // In a room with a lobby the server holds the guest until a room admin decides.
  let waited = false;
  session.addEventListener("lobby-waiting", () => {
    waited = true;
    waiting(room, session);
  });
  const busy = busyNotice(session);
  try {
    await session.join();
  } catch (err) {
    if (fromLink && isTokenProblem(err.code)) forgetToken(room);
    if (err.code === "join_cancelled") throw new Error(t("busy.cancelled"));
    if (!waited) throw new Error(joinErrorText(err));
    // The wait ended without a join: the pre-join screen is gone, say it on its own.
    stopTrack(choice.camTrack);
    stopTrack(choice.micTrack);
    lobbyEnded(err);
    return;
  } finally {
    busy.end();
  }
  const meeting = new Meeting({
    session,
    banner,
    room,
    name: choice.name,
    camDeviceId: choice.camDeviceId,
    micDeviceId: choice.micDeviceId,
    onClosed: (reason, error) => left(reason, error),
  });
  exposed.meeting = meeting;
  show("meeting");
  await meeting.start(choice);
}

/** busyNotice says on the pre-join screen, while the server is busy, when the
 * join is tried again (a countdown), with a button that stops trying. end()
 * takes it away. */
function busyNotice(session) {
  const box = $("prejoin-busy");
  const text = $("prejoin-busy-text");
  const cancel = $("pj-busy-cancel");
  let timer = 0;
  let shown = -1;
  const render = (until) => {
    const seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    // Only a new number is written: the text is a live region.
    if (seconds !== shown) text.textContent = t("busy.retrying", { seconds });
    shown = seconds;
  };
  const onBusy = (ev) => {
    clearInterval(timer);
    shown = -1;
    box.hidden = false;
    cancel.disabled = false;
    render(ev.detail.until);
    timer = setInterval(() => render(ev.detail.until), 250);
  };
  cancel.onclick = () => {
    cancel.disabled = true;
    session.cancelJoin();
  };
  session.addEventListener("busy", onBusy);
  return {
    end() {
      clearInterval(timer);
      session.removeEventListener("busy", onBusy);
      cancel.onclick = null;
      box.hidden = true;
      text.textContent = "";
    },
  };
}

function isTokenProblem(code) {
  return [
    "token_expired",
    "token_not_yet_valid",
    "malformed_token",
    "invalid_signature",
    "unknown_key",
    "unsupported_algorithm",
    "missing_token",
    "wrong_room",
    "missing_grant",
  ].includes(code);
}

/** joinErrorText says why a join failed, from the code of the refusal. */
export function joinErrorText(err) {
  const code = err?.code || "";
  switch (code) {
    case "token_expired":
    case "token_not_yet_valid":
    case "wrong_room":
    case "missing_grant":
    case "room_full":
    case "server_draining":
    case "server_overloaded":
    case "node_unavailable":
    case "lobby_full":
    case "unreachable":
      return t(`error.${code}`);
    case "malformed_token":
    case "invalid_signature":
    case "unknown_key":
    case "unsupported_algorithm":
    case "missing_token":
    case "missing_identity":
      return t("error.invalid_token", { code });
    case "connect_failed":
    case "timeout":
      return t("error.connect");
    default:
      return code ? t("error.refused", { code }) : t("error.connect");
  }
}

/** waiting shows the lobby screen while a room admin decides. */
function waiting(room, session) {
  show("lobby");
  $("lobby-room").textContent = t("prejoin.room", { room });
  const leave = $("lobby-leave");
  leave.disabled = false;
  leave.onclick = () => {
    leave.disabled = true;
    session.cancelWait();
  };
  $("lobby-heading").focus?.();
}

/** lobbyEnded says why the wait in the lobby ended without joining. */
function lobbyEnded(err) {
  const code = err?.code || "";
  if (code === "lobby_refused") {
    left("", null, { heading: "lobby.refusedHeading", text: t("lobby.refused"), rejoin: false });
    return;
  }
  if (code === "client_left") {
    left("client_left");
    return;
  }
  // A close reason (room_deleted, duplicate_identity, server_shutdown) or an error
  // code (lobby_full, room_full, server_draining).
  const closed = t(`closed.${code}`);
  const text = closed !== `closed.${code}` ? closed : joinErrorText(err);
  left("", null, { heading: "lobby.endedHeading", text });
}

function left(reason, error, opts = {}) {
  show("left");
  $("left-heading").textContent = t(opts.heading || "left.heading");
  $("left-rejoin").hidden = opts.rejoin === false;
  $("left-rejoin").addEventListener("click", () => location.reload(), { once: true });
  if (opts.text) {
    $("left-reason").textContent = opts.text;
    $("left-heading").focus?.();
    return;
  }
  const text = error ? joinErrorText(error) : reason ? t(`closed.${reason}`) : t("closed.client_left");
  $("left-reason").textContent = text.startsWith("closed.") ? t("closed.client_left") : text;
  $("left-heading").focus?.();
}

// ---- test helpers: inbound/outbound RTP stats of the session ----

async function inbound() {
  const s = exposed.session;
  if (!s?.subscriber) return [];
  const stats = await s.subscriber.getStats();
  const out = [];
  for (const r of stats.values()) {
    if (r.type !== "inbound-rtp") continue;
    out.push({
      kind: r.kind,
      trackIdentifier: r.trackIdentifier || "",
      mid: r.mid || "",
      framesDecoded: r.framesDecoded || 0,
      frameWidth: r.frameWidth || 0,
      frameHeight: r.frameHeight || 0,
      totalSamplesReceived: r.totalSamplesReceived || 0,
      packetsReceived: r.packetsReceived || 0,
      bytesReceived: r.bytesReceived || 0,
    });
  }
  return out;
}

async function outbound() {
  const s = exposed.session;
  if (!s?.publisher) return [];
  const stats = await s.publisher.getStats();
  const out = [];
  for (const r of stats.values()) {
    if (r.type !== "outbound-rtp") continue;
    out.push({
      kind: r.kind,
      rid: r.rid || "",
      frameWidth: r.frameWidth || 0,
      frameHeight: r.frameHeight || 0,
      framesEncoded: r.framesEncoded || 0,
      packetsSent: r.packetsSent || 0,
      bytesSent: r.bytesSent || 0,
      active: r.active !== false,
      qualityLimitationReason: r.qualityLimitationReason || "",
    });
  }
  return out;
}

main();
