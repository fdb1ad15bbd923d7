// The add-in's sign-in window: opened by the task pane as an Office dialog (or as a
// pop-up where the dialog API is missing), on the server's origin so that the
// session cookie is first-party. Without a session it goes through the server's
// OpenID Connect sign-in and comes back here; with one it asks the server for a
// session token of the add-in's own and hands it to the task pane.

import { t, translate } from "./strings.js";

function send(msg) {
  const text = JSON.stringify(msg);
  const ui = globalThis.Office?.context?.ui;
  if (ui && typeof ui.messageParent === "function") {
    ui.messageParent(text);
  } else if (window.opener) {
    window.opener.postMessage(text, location.origin);
  }
}

async function main() {
  translate(document);
  const status = document.getElementById("status");
  // The server's sign-in sends the browser back here with ?signin_error= when it fails.
  const failed = new URLSearchParams(location.search).get("signin_error");
  if (failed) {
    status.textContent = t("signInFailed", { reason: failed });
    send({ error: failed });
    return;
  }
  const me = await fetch("/auth/me", { headers: { Accept: "application/json" }, cache: "no-store" })
    .then((r) => (r.ok ? r.json() : { unavailable: true }))
    .catch(() => ({ unavailable: true }));
  if (me.unavailable) {
    status.textContent = t("signInFailed", { reason: "sign-in is not configured on this server" });
    send({ error: "sign_in_disabled" });
    return;
  }
  if (!me.signed_in) {
    location.assign(`/auth/login?return=${encodeURIComponent("/addins/outlook/dialog.html")}`);
    return;
  }
  if (!me.host) {
    status.textContent = t("notHost");
    send({ error: "not_a_host" });
    return;
  }
  const res = await fetch("/auth/addin-token", { method: "POST", headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.token) {
    status.textContent = t("signInFailed", { reason: body.detail || res.statusText });
    send({ error: body.code || "no_token" });
    return;
  }
  send({ token: body.token, expires: body.expires, name: body.name });
}

if (globalThis.Office?.onReady) {
  Office.onReady(() => main());
} else {
  main();
}
