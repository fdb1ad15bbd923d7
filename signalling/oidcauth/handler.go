package oidcauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// loginState is the login transaction, kept in a signed cookie while the browser is
// at the provider.
type loginState struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"` // PKCE code verifier
	Return   string    `json:"return"`   // local path to go back to
	Expires  time.Time `json:"exp"`
}

// Handler serves the /auth/ paths.
func (a *Auth) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+LoginPath, a.login)
	mux.HandleFunc("GET "+CallbackPath, a.callback)
	mux.HandleFunc("POST "+LogoutPath, a.logout)
	mux.HandleFunc("GET "+MePath, a.me)
	mux.HandleFunc("POST "+AddinTokenPath, a.addinToken)
	mux.HandleFunc("/auth/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no sign-in route "+r.URL.Path)
	})
	return noStore(mux)
}

func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// localPath keeps a return target on this site: a path, not "//host" nor "/\host".
func localPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}

func (a *Auth) login(w http.ResponseWriter, r *http.Request) {
	p, err := a.discover()
	if err != nil {
		a.log.Error("sign-in unavailable", "err", err)
		writeError(w, http.StatusBadGateway, "idp_unreachable", "the identity provider cannot be reached; try again later")
		return
	}
	st := loginState{State: randomID(), Nonce: randomID(), Verifier: oauth2.GenerateVerifier(),
		Return: localPath(r.URL.Query().Get("return")), Expires: a.now().Add(loginTTL)}
	sealed, err := a.signer.seal(kindLogin, st)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "cannot start the sign-in")
		return
	}
	a.setCookie(w, loginCookie, sealed, CallbackPath, st.Expires)
	target := a.oauth(p).AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce))
	http.Redirect(w, r, target, http.StatusFound)
}

func (a *Auth) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var st loginState
	c, err := r.Cookie(loginCookie)
	if err == nil {
		err = a.signer.open(kindLogin, c.Value, &st)
	}
	if err != nil || !a.now().Before(st.Expires) {
		a.failSignIn(w, r, "/", "login_expired", "no login under way (not started here, or too long ago)")
		return
	}
	a.setCookie(w, loginCookie, "", CallbackPath, time.Time{})
	if e := q.Get("error"); e != "" {
		a.failSignIn(w, r, st.Return, "sign_in_refused", "the provider said "+e+": "+q.Get("error_description"))
		return
	}
	if q.Get("state") != st.State || st.State == "" {
		a.failSignIn(w, r, st.Return, "state_mismatch", "the answer's state is not the login's")
		return
	}
	id, err := a.exchange(r, q.Get("code"), &st)
	if err != nil {
		a.failSignIn(w, r, st.Return, "sign_in_failed", err.Error())
		return
	}
	s, value, err := a.NewSession(id)
	if err != nil {
		a.failSignIn(w, r, st.Return, "sign_in_failed", err.Error())
		return
	}
	a.setCookie(w, SessionCookie, value, "/", s.Expires)
	a.log.Info("signed in", "subject", s.Subject, "host", s.Host, "session", s.ID)
	http.Redirect(w, r, st.Return, http.StatusFound)
}

// failSignIn sends the browser back where the sign-in started, with the reason in
// ?signin_error= for the page to say (the app's home page, the add-in's dialog).
func (a *Auth) failSignIn(w http.ResponseWriter, r *http.Request, back, code, why string) {
	a.log.Warn("sign-in failed", "code", code, "err", why)
	u, err := url.Parse(localPath(back))
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	q.Set("signin_error", code)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// exchange trades the code (with the PKCE verifier) for tokens, verifies the ID
// token and its nonce and reads the identity.
func (a *Auth) exchange(r *http.Request, code string, st *loginState) (Identity, error) {
	p, err := a.discover()
	if err != nil {
		return Identity{}, err
	}
	if code == "" {
		return Identity{}, errors.New("no code in the answer")
	}
	ctx := oidc.ClientContext(r.Context(), &http.Client{Timeout: 10 * time.Second})
	tok, err := a.oauth(p).Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Identity{}, errors.New("token response has no id_token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: a.cfg.ClientID, Now: a.now}).Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("id token: %w", err)
	}
	if idt.Nonce != st.Nonce {
		return Identity{}, errors.New("id token nonce does not match")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("id token claims: %w", err)
	}
	if _, has := claims["email"]; !has && p.UserInfoEndpoint() != "" {
		// Providers may keep the profile out of the ID token; the userinfo
		// endpoint has it. Its subject must be the ID token's.
		ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return Identity{}, fmt.Errorf("userinfo: %w", err)
		}
		if ui.Subject != idt.Subject {
			return Identity{}, errors.New("userinfo subject differs from the id token's")
		}
		extra := map[string]any{}
		if err := ui.Claims(&extra); err != nil {
			return Identity{}, fmt.Errorf("userinfo claims: %w", err)
		}
		for k, v := range extra {
			if _, has := claims[k]; !has {
				claims[k] = v
			}
		}
	}
	return identityFrom(idt.Subject, claims, a.cfg.Host.groupsClaim()), nil
}

// identityFrom reads the claims Ensemble uses; wrong types count as absent.
func identityFrom(subject string, claims map[string]any, groupsClaim string) Identity {
	str := func(k string) string { s, _ := claims[k].(string); return s }
	id := Identity{Subject: subject, Email: str("email"), Name: str("name")}
	switch v := claims["email_verified"].(type) {
	case bool:
		id.EmailVerified = v
	case string: // some providers send "true"
		id.EmailVerified = v == "true"
	}
	if id.Name == "" {
		id.Name = str("preferred_username")
	}
	if id.Name == "" {
		id.Name = id.Email
	}
	switch g := claims[groupsClaim].(type) {
	case []any:
		for _, x := range g {
			if s, ok := x.(string); ok {
				id.Groups = append(id.Groups, s)
			}
		}
	case string:
		id.Groups = strings.Fields(g)
	}
	return id
}

// SameOrigin refuses a state-changing request sent by another site's page. Browsers
// say where a request comes from in Sec-Fetch-Site; older ones only in Origin (which
// is "null" on pages with Referrer-Policy no-referrer, like the app's, hence
// Sec-Fetch-Site first). A request with neither is not from a browser page.
func SameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin":
		return true
	case "":
	default: // same-site, cross-site, none (typed in the address bar)
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && o != "null" && u.Host == r.Host
}

func (a *Auth) logout(w http.ResponseWriter, r *http.Request) {
	if !SameOrigin(r) {
		writeError(w, http.StatusForbidden, "cross_origin", "sign-out must come from this site")
		return
	}
	a.setCookie(w, SessionCookie, "", "/", time.Time{})
	if s, err := a.FromRequest(r); err == nil {
		if err := a.revoked.RevokeSession(r.Context(), s.ID, s.Expires); err != nil {
			a.log.Error("sign-out not recorded", "session", s.ID, "err", err)
			writeError(w, http.StatusServiceUnavailable, "session_not_ended",
				"the session cookie is cleared but the session could not be ended on the server; try again")
			return
		}
		a.log.Info("signed out", "subject", s.Subject, "session", s.ID)
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// Me is the body of GET /auth/me.
type Me struct {
	SignedIn bool      `json:"signed_in"`
	Name     string    `json:"name,omitempty"`
	Email    string    `json:"email,omitempty"`
	Host     bool      `json:"host"`
	Expires  time.Time `json:"expires,omitzero"`
	// Error says why a session that was sent is not accepted (session_expired,
	// invalid_session, session_ended).
	Error string `json:"error,omitempty"`
}

func (a *Auth) me(w http.ResponseWriter, r *http.Request) {
	s, err := a.FromRequest(r)
	if err != nil {
		out := Me{}
		if !errors.Is(err, ErrNoSession) {
			out.Error = Code(err)
			a.setCookie(w, SessionCookie, "", "/", time.Time{})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	writeJSON(w, http.StatusOK, Me{SignedIn: true, Name: s.Name, Email: s.Email, Host: s.Host, Expires: s.Expires})
}

// AddinToken is the body of POST /auth/addin-token.
type AddinToken struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
	Name    string    `json:"name"`
	Host    bool      `json:"host"`
}

// addinToken gives a signed-in page (the add-in's sign-in dialog) a session of its
// own to hand to the task pane: a new id, so that it can be signed out alone, and
// the same expiry as the cookie's.
func (a *Auth) addinToken(w http.ResponseWriter, r *http.Request) {
	if !SameOrigin(r) {
		writeError(w, http.StatusForbidden, "cross_origin", "must come from this site")
		return
	}
	c, err := r.Cookie(SessionCookie)
	var s *Session
	if err == nil {
		s, err = a.checkSession(r.Context(), c.Value, a.now())
	} else {
		err = ErrNoSession
	}
	if err != nil {
		writeError(w, http.StatusUnauthorized, Code(err), err.Error())
		return
	}
	child := *s
	child.ID = randomID()
	v, err := a.signer.seal(kindSession, &child)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "cannot create the token")
		return
	}
	writeJSON(w, http.StatusOK, AddinToken{Token: v, Expires: child.Expires, Name: child.Name, Host: child.Host})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers an RFC 9457 problem, like the API.
func writeError(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status, "code": code, "detail": detail,
	})
}
