// token: how the page gets its access token. An integrating application puts one in
// the URL fragment (#token=…, never sent to a server); otherwise the page asks the
// guest endpoint POST /api/rooms/<room>/join, which the server offers in --dev mode
// and for rooms that admit guests. Refusals come as RFC 9457 problem JSON.

export class TokenError extends Error {
  constructor(key, vars = {}) {
    super(key);
    this.name = "TokenError";
    this.key = key; // i18n key
    this.vars = vars;
  }
}

const storageKey = (room) => `ensemble.token.${room}`;

/** fragmentToken returns the token of #token=… (and keeps it for reloads in this
 * tab, taking it out of the address bar so it is not shared with the link). */
export function fragmentToken(room) {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("token");
  if (token) {
    try {
      sessionStorage.setItem(storageKey(room), token);
    } catch {
      // storage disabled: a reload will need the link again
    }
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    return token;
  }
  try {
    return sessionStorage.getItem(storageKey(room)) || "";
  } catch {
    return "";
  }
}

/** forgetToken drops a stored token that the server refused. */
export function forgetToken(room) {
  try {
    sessionStorage.removeItem(storageKey(room));
  } catch {
    // nothing stored
  }
}

/** tokenClaims decodes a JWT's payload without checking it (to show the name). */
export function tokenClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
    );
    return JSON.parse(json);
  } catch {
    return {};
  }
}

/** guestToken asks the server for a guest token. It resolves with {token, url,
 * identity} or rejects with a TokenError naming the message to show. */
export async function guestToken(room, name, fetchImpl = globalThis.fetch) {
  let res;
  try {
    res = await fetchImpl(`/api/rooms/${encodeURIComponent(room)}/join`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, application/problem+json" },
      body: JSON.stringify({ name }),
      cache: "no-store",
    });
  } catch {
    throw new TokenError("error.unreachable");
  }
  let body = {};
  try {
    body = await res.json();
  } catch {
    // an empty or non-JSON body: judge by the status
  }
  if (res.ok && body.token) return body;
  const code = problemCode(body);
  if (code === "guests_not_allowed") throw new TokenError("error.guests_not_allowed");
  if (code === "room_full") throw new TokenError("error.room_full");
  if (code === "server_draining" || res.status === 503) throw new TokenError("error.server_draining");
  if (res.status === 404 || res.status === 401 || res.status === 405) throw new TokenError("error.no_guest_access");
  throw new TokenError("error.server", { code: code || res.status, message: body.detail || body.message || body.title || res.statusText });
}

/** problemCode reads the machine-readable code of an RFC 9457 problem: the "code"
 * extension member, or else the last segment of its "type" URI. */
export function problemCode(body) {
  if (!body || typeof body !== "object") return "";
  if (typeof body.code === "string") return body.code;
  if (typeof body.type === "string" && body.type !== "about:blank") {
    return body.type.split(/[/#]/).filter(Boolean).pop() || "";
  }
  return "";
}
