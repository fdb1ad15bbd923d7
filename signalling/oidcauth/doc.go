// Package oidcauth signs people in with the organisation's OpenID Connect identity
// provider and keeps them signed in with a session cookie.
//
// The flow is the authorisation code flow with PKCE (S256) and a nonce, through
// github.com/coreos/go-oidc/v3 and golang.org/x/oauth2:
//
//	GET  /auth/login?return=/path  state, nonce and PKCE verifier go into a short-lived
//	                               signed cookie; the browser goes to the provider
//	GET  /auth/callback            state checked, code exchanged with the verifier, ID
//	                               token verified (issuer, audience, expiry, nonce), claims
//	                               read (and the userinfo endpoint asked when the ID token
//	                               carries no email), session cookie set; a failure goes
//	                               back with ?signin_error=<code>
//	POST /auth/logout              the session is revoked and its cookie cleared
//	GET  /auth/me                  who is signed in, and whether they may host
//	POST /auth/addin-token         a fresh session token for the Outlook add-in, which
//	                               sends it as "Authorization: Bearer" (its task pane
//	                               may be framed by Outlook, where the cookie is not sent)
//
// A session is a signed, expiring value (HMAC-SHA256 over its JSON, keyed by the
// configured session secret), so that every node of a cluster can read it without a
// shared table. The cookie is HttpOnly, SameSite=Lax, Secure when the redirect URL is
// https. Logout adds the session's id to a revocation list held until the session
// would have expired: the server's store (UseRevocations; bbolt or Redis, so every
// node sharing the store refuses it), or this process's memory by default.
//
// Who hosts is a rule on the claims (HostRule): a verified email in one of the
// configured domains, or membership of one of the configured groups; with neither
// configured every signed-in person hosts. Hosts create meetings and are admins of
// the rooms they create; everybody else joins as a guest where a room allows guests.
package oidcauth
