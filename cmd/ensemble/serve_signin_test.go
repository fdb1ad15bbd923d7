package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/oidctest"
)

// `ensemble serve` with the oidc settings (flags, and the secrets from the
// environment) signs hosts in through a real provider, gives them the host routes,
// and serves the Outlook add-in's manifest on its public URL.
func TestServeWithSignIn(t *testing.T) {
	idp := oidctest.Start(t)
	t.Setenv("ENSEMBLE_OIDC_CLIENT_SECRET", oidctest.ClientSecret)
	t.Setenv("ENSEMBLE_OIDC_SESSION_SECRET", strings.Repeat("serve-test", 4))
	port := freePort(t)
	baseURL, stop := startServe(t, port, "--dev", "--data-dir", t.TempDir(), "--oidc-issuer", idp.Issuer,
		"--oidc-client-id", oidctest.ClientID, "--oidc-host-email-domains", "staff.example")
	defer stop()

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	defer c.CloseIdleConnections()
	if _, _, err := oidctest.SignIn(c, baseURL+"/auth/login", oidctest.Host); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(baseURL + "/auth/me")
	if err != nil {
		t.Fatal(err)
	}
	var me struct {
		SignedIn bool   `json:"signed_in"`
		Host     bool   `json:"host"`
		Email    string `json:"email"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if !me.SignedIn || !me.Host || me.Email != "helene@staff.example" {
		t.Fatalf("me = %+v", me)
	}
	resp, err = c.Post(baseURL+"/api/host/meetings", "application/json", strings.NewReader(`{"instant":true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("host creates a meeting: %s", resp.Status)
	}
	resp, err = c.Get(baseURL + "/addins/outlook/manifest.xml")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(b.String(), baseURL+"/addins/outlook/taskpane.html") {
		t.Fatalf("manifest: %s\n%s", resp.Status, b.String())
	}
}

// Without oidc settings there is no sign-in: /auth/me is not found, and the host
// routes say sign-in is off.
func TestServeWithoutSignIn(t *testing.T) {
	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", t.TempDir())
	defer stop()
	for path, want := range map[string]int{"/auth/me": 404, "/api/host/meetings": 404, "/addins/outlook/manifest.xml": 200} {
		resp, err := http.Get(baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %s, want %d", path, resp.Status, want)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}
