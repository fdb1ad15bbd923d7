package oidcauth_test

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/oidctest"
	"github.com/ensemble-sfu/ensemble/signalling/oidcauth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// env is a relying party (this package's handler at /auth/, and "/" answering the
// page it lands on) in front of a real OpenID provider.
type env struct {
	t    *testing.T
	auth *oidcauth.Auth
	url  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	idp := oidctest.Start(t)
	e := &env{t: t}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	a, err := oidcauth.New(oidcauth.Config{
		Issuer: idp.Issuer, ClientID: oidctest.ClientID, ClientSecret: oidctest.ClientSecret,
		RedirectURL: srv.URL + oidcauth.CallbackPath, SessionSecret: strings.Repeat("s", 32),
		Host: oidcauth.HostRule{EmailDomains: []string{"staff.example"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.auth = a
	mux.Handle("/auth/", a.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("landed on " + r.URL.Path)) })
	return e
}

func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	e.t.Cleanup(c.CloseIdleConnections)
	return c
}

func (e *env) me(c *http.Client) oidcauth.Me {
	e.t.Helper()
	resp, err := c.Get(e.url + oidcauth.MePath)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m oidcauth.Me
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) sessionCookie(c *http.Client) string {
	u, _ := url.Parse(e.url)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == oidcauth.SessionCookie {
			return ck.Value
		}
	}
	return ""
}

func withCookie(t *testing.T, target, value string) *http.Request {
	r, err := http.NewRequestWithContext(t.Context(), "GET", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.AddCookie(&http.Cookie{Name: oidcauth.SessionCookie, Value: value})
	return r
}

// A staff member signs in through the provider's login form (code flow with PKCE)
// and lands where she started, as a host; someone outside the host domain signs in
// as a non-host.
func TestSignInWithRealProvider(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	landed, body, err := oidctest.SignIn(c, e.url+oidcauth.LoginPath+"?return=/abc-defg-hij", oidctest.Host)
	if err != nil {
		t.Fatal(err)
	}
	if landed.Path != "/abc-defg-hij" || body != "landed on /abc-defg-hij" {
		t.Fatalf("landed on %s: %q", landed, body)
	}
	m := e.me(c)
	if !m.SignedIn || !m.Host || m.Email != "helene@staff.example" || m.Name != "Hélène Martin" {
		t.Fatalf("me = %+v", m)
	}

	g := e.browser()
	if _, _, err := oidctest.SignIn(g, e.url+oidcauth.LoginPath, oidctest.Guest); err != nil {
		t.Fatal(err)
	}
	if m := e.me(g); !m.SignedIn || m.Host || m.Email != "gaston@elsewhere.example" {
		t.Fatalf("guest me = %+v", m)
	}
}

// The authorisation request carries an S256 PKCE challenge, a state and a nonce,
// and the login cookie is HttpOnly, SameSite=Lax, scoped to the callback.
func TestLoginRedirectUsesPKCE(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(e.url + oidcauth.LoginPath + "?return=//evil.example/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("%s %v", resp.Status, err)
	}
	q := loc.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" ||
		q.Get("nonce") == "" || q.Get("response_type") != "code" || q.Get("client_id") != oidctest.ClientID {
		t.Fatalf("authorisation request %s", loc)
	}
	set := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/auth/callback"} {
		if !strings.Contains(set, want) {
			t.Errorf("login cookie %q lacks %s", set, want)
		}
	}
}

// An open redirect through ?return= is refused: the sign-in lands on "/".
func TestReturnStaysOnSite(t *testing.T) {
	e := newEnv(t)
	for _, ret := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "x"} {
		landed, _, err := oidctest.SignIn(e.browser(), e.url+oidcauth.LoginPath+"?return="+url.QueryEscape(ret), oidctest.Host)
		if err != nil {
			t.Fatal(err)
		}
		if landed.Host != strings.TrimPrefix(e.url, "http://") || landed.Path != "/" {
			t.Errorf("return=%q landed on %s", ret, landed)
		}
	}
}

// A callback without a login under way, or whose state is not the login's, or that
// carries the provider's refusal, sends the browser back with the reason.
func TestCallbackFailuresGoBackWithTheReason(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	location := func(target string) string {
		t.Helper()
		resp, err := c.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Location")
	}
	if got := location(e.url + oidcauth.CallbackPath + "?code=x&state=y"); got != "/?signin_error=login_expired" {
		t.Errorf("callback without login: Location %q", got)
	}
	_ = location(e.url + oidcauth.LoginPath + "?return=/abc-defg-hij")
	if got := location(e.url + oidcauth.CallbackPath + "?code=x&state=y"); got != "/abc-defg-hij?signin_error=state_mismatch" {
		t.Errorf("callback with another state: Location %q", got)
	}
	_ = location(e.url + oidcauth.LoginPath + "?return=/addins/outlook/dialog.html")
	if got := location(e.url + oidcauth.CallbackPath + "?error=access_denied"); got != "/addins/outlook/dialog.html?signin_error=sign_in_refused" {
		t.Errorf("callback with the provider's refusal: Location %q", got)
	}
	if e.sessionCookie(c) != "" {
		t.Error("a failed callback left a session")
	}
}

// A forged cookie (a host claim under a made-up signature, or a session signed by
// another key), an expired one and a signed-out one are all refused with their
// reason; the genuine one is accepted until logout.
func TestSessionCookieChecks(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	if _, _, err := oidctest.SignIn(c, e.url+oidcauth.LoginPath, oidctest.Guest); err != nil {
		t.Fatal(err)
	}
	genuine := e.sessionCookie(c)
	if genuine == "" {
		t.Fatal("no session cookie")
	}
	if _, err := e.auth.FromRequest(withCookie(t, e.url, genuine)); err != nil {
		t.Fatalf("genuine session refused: %v", err)
	}

	// Gaston makes himself a host by editing the payload.
	payload, mac, _ := strings.Cut(strings.TrimPrefix(genuine, "v1."), ".")
	raw, _ := base64Decode(payload)
	forged := "v1." + base64Encode([]byte(strings.Replace(string(raw), `"host":false`, `"host":true`, 1))) + "." + mac
	other, err := oidcauth.New(oidcauth.Config{Issuer: "http://127.0.0.1:1", ClientID: "x",
		RedirectURL: "http://127.0.0.1:1/auth/callback", SessionSecret: strings.Repeat("o", 32)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := other.NewSession(oidcauth.Identity{Subject: "u-gaston"})
	expired, _ := e.auth.Seal(&oidcauth.Session{ID: "x1", Subject: "u-gaston", Host: true, Expires: time.Now().Add(-time.Second)})

	for name, tc := range map[string]struct{ value, code string }{
		"edited payload": {forged, "invalid_session"},
		"other key":      {otherKey, "invalid_session"},
		"garbage":        {"v1.AAAA.BBBB", "invalid_session"},
		"expired":        {expired, "session_expired"},
	} {
		_, err := e.auth.FromRequest(withCookie(t, e.url, tc.value))
		if err == nil || oidcauth.Code(err) != tc.code {
			t.Errorf("%s: err %v, want %s", name, err, tc.code)
		}
		resp, err := http.DefaultClient.Do(withCookie(t, e.url+oidcauth.MePath, tc.value))
		if err != nil {
			t.Fatal(err)
		}
		var m oidcauth.Me
		_ = json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if m.SignedIn || m.Error != tc.code || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("%s: /auth/me %+v, Set-Cookie %q", name, m, resp.Header.Get("Set-Cookie"))
		}
	}

	// Logout ends the session: the old cookie value no longer works anywhere.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.url+oidcauth.LogoutPath, nil)
	req.Header.Set("Origin", e.url)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e.sessionCookie(c) != "" || e.me(c).SignedIn {
		t.Fatal("still signed in after logout")
	}
	if _, err := e.auth.FromRequest(withCookie(t, e.url, genuine)); oidcauth.Code(err) != "session_ended" {
		t.Fatalf("old cookie after logout: %v", err)
	}
}

// A sign-out posted by another site's page is refused.
func TestLogoutFromAnotherSiteIsRefused(t *testing.T) {
	e := newEnv(t)
	for _, hdr := range [][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}, {"Origin", "null"}} {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.url+oidcauth.LogoutPath, nil)
		req.Header.Set(hdr[0], hdr[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("logout with %s: %s: %s", hdr[0], hdr[1], resp.Status)
		}
	}
	// The app's pages send Origin: null (Referrer-Policy no-referrer) with
	// Sec-Fetch-Site: same-origin.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.url+oidcauth.LogoutPath, nil)
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c := e.browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin logout: %s", resp.Status)
	}
}

// The add-in token is a session of its own, sent as a bearer token.
func TestAddinTokenIsABearerSession(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	if _, _, err := oidctest.SignIn(c, e.url+oidcauth.LoginPath, oidctest.Host); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Post(e.url+oidcauth.AddinTokenPath, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var tok oidcauth.AddinToken
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || !tok.Host || tok.Token == e.sessionCookie(c) {
		t.Fatalf("add-in token %s %+v", resp.Status, tok)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.url, nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	s, err := e.auth.FromRequest(req)
	if err != nil || !s.Host || s.Email != "helene@staff.example" {
		t.Fatalf("bearer session %+v %v", s, err)
	}
	// Without a cookie there is no token.
	resp, err = http.Post(e.url+oidcauth.AddinTokenPath, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("add-in token without a session: %s", resp.Status)
	}
}

// Two nodes sharing a store: a session signed out on one is refused by the other;
// the store failing makes the check fail closed.
func TestSignOutReachesEveryNodeOfTheStore(t *testing.T) {
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "ensemble.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := oidcauth.Config{Issuer: "http://127.0.0.1:1", ClientID: "x", RedirectURL: "http://127.0.0.1:1/auth/callback",
		SessionSecret: strings.Repeat("n", 32)}
	node1, _ := oidcauth.New(cfg, nil)
	node2, _ := oidcauth.New(cfg, nil)
	node1.UseRevocations(st)
	node2.UseRevocations(st)
	_, v, err := node1.NewSession(oidcauth.Identity{Subject: "u-helene"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node2.FromRequest(withCookie(t, "http://x/", v)); err != nil {
		t.Fatalf("node 2 refuses a fresh session: %v", err)
	}
	w := httptest.NewRecorder()
	req := withCookie(t, "http://x"+oidcauth.LogoutPath, v)
	req.Method = "POST"
	node1.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("logout on node 1: %d %s", w.Code, w.Body)
	}
	if _, err := node2.FromRequest(withCookie(t, "http://x/", v)); oidcauth.Code(err) != "session_ended" {
		t.Fatalf("node 2 after the sign-out on node 1: %v", err)
	}
	_ = st.Close()
	if _, err := node2.FromRequest(withCookie(t, "http://x/", v)); oidcauth.Code(err) != "session_check_failed" {
		t.Fatalf("with the store closed: %v", err)
	}
}

// Behind TLS (an https redirect URL) the cookies are Secure; over plain http (a
// development set-up) they cannot be.
func TestCookiesAreSecureBehindTLS(t *testing.T) {
	for redirect, secure := range map[string]bool{"https://meet.example.org/auth/callback": true, "http://127.0.0.1:7880/auth/callback": false} {
		a, err := oidcauth.New(oidcauth.Config{Issuer: "http://127.0.0.1:1", ClientID: "x", RedirectURL: redirect}, nil)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, httptest.NewRequest("POST", oidcauth.LogoutPath, nil))
		set := w.Header().Get("Set-Cookie")
		if strings.Contains(set, "; Secure") != secure || !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") {
			t.Errorf("%s: Set-Cookie %q", redirect, set)
		}
	}
}
