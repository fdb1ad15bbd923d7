// meetings: the signed-in host's meetings, through /api/host/meetings (the session
// cookie authenticates). Refusals are RFC 9457 problems; MeetingError carries the
// code and, for a field at fault, its name.

import { problemCode } from "./token.js";

export class MeetingError extends Error {
  constructor(status, code, message, field = "") {
    super(message);
    this.name = "MeetingError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function call(method, path, body, fetchImpl = globalThis.fetch) {
  const opts = { method, headers: { Accept: "application/json, application/problem+json" }, cache: "no-store" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetchImpl(path, opts);
  } catch (err) {
    throw new MeetingError(0, "unreachable", String(err));
  }
  let data = {};
  try {
    data = await res.json();
  } catch {
    // judged by the status below
  }
  if (!res.ok) {
    const field = data.errors && data.errors[0] ? data.errors[0].field : "";
    throw new MeetingError(res.status, problemCode(data) || String(res.status), data.detail || res.statusText, field);
  }
  return data;
}

/** listMeetings resolves with the host's upcoming meetings (API views). */
export async function listMeetings() {
  return (await call("GET", "/api/host/meetings")).meetings || [];
}

/** createMeeting schedules one ({title, start, end, time_zone, recurrence, lang,
 * lobby}) or starts an instant one ({instant: true, lang}). */
export function createMeeting(body) {
  return call("POST", "/api/host/meetings", body);
}

/** updateMeeting changes one (a patch: only the fields given). */
export function updateMeeting(id, patch) {
  return call("PATCH", `/api/host/meetings/${encodeURIComponent(id)}`, patch);
}

/** cancelMeeting cancels one; its .ics becomes a METHOD:CANCEL. */
export function cancelMeeting(id) {
  return call("DELETE", `/api/host/meetings/${encodeURIComponent(id)}`);
}

/** localParts gives the date ("2030-03-04") and time ("14:00") of an instant in a
 * time zone, as the date and time inputs want them. */
export function localParts(iso, timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const get = (type) => parts.find((p) => p.type === type)?.value || "";
  return { date: `${get("year")}-${get("month")}-${get("day")}`, time: `${get("hour")}:${get("minute")}` };
}

/** whenText says when a meeting is, in its own time zone, in the page's language. */
export function whenText(m, lang) {
  try {
    const fmt = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short", timeZone: m.time_zone });
    return `${fmt.formatRange(new Date(m.start), new Date(m.end))} (${m.time_zone})`;
  } catch {
    return `${m.start} – ${m.end} (${m.time_zone})`;
  }
}

/** timeZones lists the IANA zones the browser knows, with UTC. */
export function timeZones() {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  if (!zones.includes("UTC")) zones = ["UTC", ...zones];
  return zones;
}

/** browserZone is the browser's time zone, or UTC. */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}
