package main

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/testcert"

	"github.com/ensemble-sfu/ensemble/signalling/client"
)

// selfSignedFiles writes a certificate for 127.0.0.1 and its key, and returns a
// client that trusts it.
func selfSignedFiles(t *testing.T, dir string) (certFile, keyFile string, trusting *http.Client) {
	t.Helper()
	c := testcert.New(t, 1)
	certFile, keyFile = c.Files(t, dir)
	return certFile, keyFile, &http.Client{Transport: &http.Transport{TLSClientConfig: c.Client()}}
}

// With certificate files the server speaks HTTPS and WSS only: the API, the app's
// headers (HSTS, no framing) and a participant joining over wss://.
func TestServeOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	certFile, keyFile, https := selfSignedFiles(t, dir)
	defer https.CloseIdleConnections()
	baseURL, stop := startServeOver(t, https, "https", freePort(t), "--dev", "--data-dir", dir,
		"--tls-cert-file", certFile, "--tls-key-file", keyFile, "--cors-allowed-origins", "https://portal.example.org")
	defer stop()

	resp, err := https.Get(baseURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS == nil || resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("app page over TLS: tls %v, headers %v", resp.TLS != nil, resp.Header)
	}
	req, _ := http.NewRequest(http.MethodOptions, baseURL+"/api/v1/rooms", nil)
	req.Header.Set("Origin", "https://portal.example.org")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err = https.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://portal.example.org" {
		t.Errorf("CORS preflight of a configured origin: %d %v", resp.StatusCode, resp.Header)
	}

	// Plain HTTP on the TLS port gets no page.
	if resp, err := http.Get("http" + baseURL[len("https"):] + "/readyz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP served on the TLS port")
		}
	}

	tok := participantToken(t, "tls-room", "alice")
	c, err := client.Join(ctx, baseURL, tok, client.WithHTTPClient(https), client.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("join over wss: %v", err)
	}
	if c.Room().Name != "tls-room" {
		t.Errorf("joined room %q", c.Room().Name)
	}
	c.Close()
}
