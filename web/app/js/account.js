// account: who is signed in. GET /auth/me answers when the server has sign-in
// (OIDC) configured; without it the path is unknown (404) and the app works as
// before, guests only. A session cookie the server refuses (expired, forged, signed
// out) comes back as signed_in false with the reason in `error`.

/** account resolves with {enabled, signedIn, host, name, email, error}. */
export async function account(fetchImpl = globalThis.fetch) {
  let res;
  try {
    res = await fetchImpl("/auth/me", { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch {
    return { enabled: false, signedIn: false, host: false };
  }
  if (!res.ok) return { enabled: false, signedIn: false, host: false };
  let me = {};
  try {
    me = await res.json();
  } catch {
    return { enabled: false, signedIn: false, host: false };
  }
  return {
    enabled: true,
    signedIn: !!me.signed_in,
    host: !!me.host,
    name: me.name || "",
    email: me.email || "",
    error: me.error || "",
  };
}
