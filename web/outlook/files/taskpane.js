// The task pane of the Outlook add-in. In an appointment being organised, "Add an
// Ensemble meeting" signs the person in (the server's OpenID Connect sign-in, in an
// Office dialog, or a pop-up window where the dialog API is missing), creates the
// meeting through /api/host/meetings with the appointment's subject and times, and
// writes the join link, the SIP URI and the dial-in into the body and the location.
//
// The appointment is identified by a key kept in its custom properties (created on
// the first press), sent as the Idempotency-Key: pressing again, or the appointment's
// time changing while the pane is open, updates the same meeting.

import { t, translate } from "./strings.js";

const TOKEN_KEY = "ensemble.addin.token";
const PROP_KEY = "ensembleKey";
const PROP_MEETING = "ensembleMeeting";
const BLOCK_RE = /<div data-ensemble="meeting">[\s\S]*?<\/div>/;
const TEXT_START = "-- Ensemble --";
const TEXT_END = "-- /Ensemble --";
const $ = (id) => document.getElementById(id);

// Tests read the pane's state here.
const exposed = (globalThis.__addin = { ready: false, meeting: null, errors: [] });

/** office turns an Office callback API into a promise. */
function office(fn) {
  return new Promise((resolve, reject) =>
    fn((r) => (r.status === Office.AsyncResultStatus.Failed ? reject(r.error || new Error("Office call failed")) : resolve(r.value))),
  );
}

function item() {
  return Office.context.mailbox.item;
}

// ---- the session token ----

function storedToken() {
  try {
    const s = JSON.parse(localStorage.getItem(TOKEN_KEY) || "null");
    if (s && s.token && Date.parse(s.expires) > Date.now() + 60e3) return s;
  } catch {
    // nothing stored, or storage disabled
  }
  return null;
}

function storeToken(s) {
  try {
    localStorage.setItem(TOKEN_KEY, JSON.stringify(s));
  } catch {
    // kept for this pane only
  }
  exposed.token = s;
}

function forgetToken() {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
  exposed.token = null;
}

/** signIn opens the sign-in (an Office dialog, or a pop-up) and resolves with the
 * session token the dialog page sends back. */
function signIn() {
  const url = new URL("/addins/outlook/dialog.html", location.href).href;
  return new Promise((resolve, reject) => {
    const done = (raw) => {
      let msg = {};
      try {
        msg = typeof raw === "string" ? JSON.parse(raw) : raw || {};
      } catch {
        msg = { error: "bad_message" };
      }
      if (msg.token) resolve(msg);
      else reject(new Error(msg.error || "no token"));
    };
    const ui = Office.context.ui;
    if (ui && typeof ui.displayDialogAsync === "function") {
      ui.displayDialogAsync(url, { height: 60, width: 30, promptBeforeOpen: false }, (r) => {
        if (r.status === Office.AsyncResultStatus.Failed) {
          reject(new Error(r.error?.message || t("dialogBlocked")));
          return;
        }
        const dialog = r.value;
        dialog.addEventHandler(Office.EventType.DialogMessageReceived, (arg) => {
          dialog.close();
          done(arg.message);
        });
        dialog.addEventHandler(Office.EventType.DialogEventReceived, (arg) => reject(new Error(`dialog closed (${arg.error})`)));
      });
      return;
    }
    // Fallback: a pop-up window of this origin posts the token back.
    const popup = window.open(url, "ensemble-signin", "width=480,height=640");
    if (!popup) {
      reject(new Error(t("dialogBlocked")));
      return;
    }
    const onMessage = (ev) => {
      if (ev.origin !== location.origin || ev.source !== popup) return;
      window.removeEventListener("message", onMessage);
      popup.close();
      done(ev.data);
    };
    window.addEventListener("message", onMessage);
  });
}

// ---- the appointment ----

async function appointmentKey() {
  const props = await office((cb) => item().loadCustomPropertiesAsync(cb));
  let key = props.get(PROP_KEY);
  if (!key) {
    key = crypto.randomUUID();
    props.set(PROP_KEY, key);
    await office((cb) => props.saveAsync(cb));
  }
  return { key, props };
}

async function readAppointment() {
  const [subject, start, end] = await Promise.all([
    office((cb) => item().subject.getAsync(cb)),
    office((cb) => item().start.getAsync(cb)),
    office((cb) => item().end.getAsync(cb)),
  ]);
  return { subject: (subject || "").trim() || t("defaultTitle"), start: new Date(start), end: new Date(end) };
}

function zone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** save creates the meeting or, for an appointment seen before, updates it. */
async function save(token, key, appt) {
  const res = await fetch("/api/host/meetings", {
    method: "POST",
    credentials: "omit", // the token authenticates: Outlook's frame may not carry cookies
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, application/problem+json",
      Authorization: `Bearer ${token}`,
      "Idempotency-Key": `outlook:${key}`,
    },
    body: JSON.stringify({
      title: appt.subject,
      start: appt.start.toISOString(),
      end: appt.end.toISOString(),
      time_zone: zone(),
      lang: document.documentElement.lang === "fr" ? "fr" : "en",
    }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body.detail || res.statusText);
    err.status = res.status;
    err.code = body.code || "";
    throw err;
  }
  return body;
}

/** writeBody puts the invitation into the body, replacing the one written before. */
async function writeBody(m) {
  const type = await office((cb) => item().body.getTypeAsync(cb));
  if (type === Office.CoercionType.Html) {
    const html = await office((cb) => item().body.getAsync(Office.CoercionType.Html, cb));
    const block = `<div data-ensemble="meeting">${m.invite.html}</div>`;
    const next = BLOCK_RE.test(html) ? html.replace(BLOCK_RE, () => block) : `${html}<br>${block}`;
    await office((cb) => item().body.setAsync(next, { coercionType: Office.CoercionType.Html }, cb));
    return;
  }
  const text = await office((cb) => item().body.getAsync(Office.CoercionType.Text, cb));
  const block = `${TEXT_START}\n${m.invite.text.trimEnd()}\n${TEXT_END}`;
  const start = text.indexOf(TEXT_START);
  const end = text.indexOf(TEXT_END);
  const next = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + TEXT_END.length) : `${text}\n\n${block}`;
  await office((cb) => item().body.setAsync(next, { coercionType: Office.CoercionType.Text }, cb));
}

async function writeAppointment(m, props) {
  await office((cb) => item().location.setAsync(m.location, cb));
  await writeBody(m);
  props.set(PROP_MEETING, m.id);
  await office((cb) => props.saveAsync(cb));
}

// ---- the pane ----

let busy = false;
let watching = false;

function status(text) {
  $("status").textContent = text;
}

function showMeeting(m) {
  exposed.meeting = m;
  $("meeting").hidden = false;
  $("meeting-link").href = m.join_url;
  $("meeting-link").textContent = m.join_url;
  $("meeting-sip").textContent = m.sip_uri || "";
  $("add").textContent = t("update");
}

function showAccount(s) {
  $("account").textContent = s ? t("signedIn", { name: s.name }) : "";
  $("signout").hidden = !s;
}

/** run signs in when needed, then creates or updates the meeting. */
async function run(kind) {
  if (busy) return;
  busy = true;
  $("add").disabled = true;
  try {
    let session = storedToken();
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!session) {
        status(t("signingIn"));
        session = await signIn();
        storeToken(session);
      }
      showAccount(session);
      status(t("working"));
      const { key, props } = await appointmentKey();
      const appt = await readAppointment();
      let m;
      try {
        m = await save(session.token, key, appt);
      } catch (err) {
        if (err.status === 401 && attempt === 0) {
          forgetToken(); // expired or signed out: sign in again once
          session = null;
          continue;
        }
        throw err;
      }
      await writeAppointment(m, props);
      showMeeting(m);
      status(t(kind === "time" ? "updated" : "added"));
      watchTime();
      return;
    }
  } catch (err) {
    exposed.errors.push(String(err.message || err));
    status(err.code === "not_a_host" || err.message === "not_a_host" ? t("notHost") : t("failed", { reason: err.message || String(err) }));
  } finally {
    busy = false;
    $("add").disabled = false;
  }
}

/** watchTime updates the meeting when the appointment moves while the pane is open. */
function watchTime() {
  if (watching || !item().addHandlerAsync) return;
  watching = true;
  item().addHandlerAsync(Office.EventType.AppointmentTimeChanged, () => run("time"), () => {});
}

async function init() {
  translate(document);
  showAccount(storedToken());
  $("add").addEventListener("click", () => run("add"));
  $("signout").addEventListener("click", async () => {
    const s = storedToken();
    forgetToken();
    showAccount(null);
    if (s) {
      await fetch("/auth/logout", { method: "POST", credentials: "omit", headers: { Authorization: `Bearer ${s.token}`, Accept: "application/json" } }).catch(() => {});
    }
  });
  // An appointment that already has its meeting: show it, and follow its time.
  try {
    const props = await office((cb) => item().loadCustomPropertiesAsync(cb));
    if (props.get(PROP_MEETING)) {
      $("add").textContent = t("update");
      if (storedToken()) watchTime();
    }
  } catch {
    // custom properties unavailable: the button still works
  }
  exposed.ready = true;
}

Office.onReady(() => init());
