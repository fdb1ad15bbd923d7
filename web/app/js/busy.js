// busy: the wait before trying again a join the server refused with 503: the node
// is past its budget (server_overloaded), the node hosting the room does not
// answer (node_unavailable), or the room's record cannot be read while its store
// fails over. The server says how long with Retry-After; the wait honours it
// within [1 s, 10 s] (a server asking for none is not hammered, one asking for
// minutes does not outlast people's patience), plus up to a tenth more so that
// pages refused together do not come back together. The Go client
// (signalling/client, busy.go) waits the same way.

export const MIN_BUSY_WAIT_MS = 1000;
export const MAX_BUSY_WAIT_MS = 10000;

/** busyWaitMs returns the wait in ms before trying a refused join again, or null
 * when the refusal (err.status, err.retryAfter in seconds) is not a 503. */
export function busyWaitMs(err, random = Math.random) {
  if (err?.status !== 503) return null;
  const asked = Number(err.retryAfter) > 0 ? Number(err.retryAfter) * 1000 : 0;
  const base = Math.min(Math.max(asked, MIN_BUSY_WAIT_MS), MAX_BUSY_WAIT_MS);
  return base + Math.floor(random() * (base / 10));
}

/** sessionRetryWaitMs is the wait before a resume or a fresh rejoin tries again
 * after err: a busy node's Retry-After, else the loop's own backoff. A draining
 * node's Retry-After is the generic one of every 503: the room is being placed
 * on another node, which the same address reaches within a second, so the quick
 * backoff stays. */
export function sessionRetryWaitMs(err, backoffMs) {
  const wait = busyWaitMs(err);
  if (wait === null || err.code === "server_draining") return backoffMs;
  return wait;
}

/** parseRetryAfter reads a Retry-After header (seconds, or an HTTP date) into
 * seconds; 0 when absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  const v = String(value ?? "").trim();
  if (v === "") return 0;
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}
