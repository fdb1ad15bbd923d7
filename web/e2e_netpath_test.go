package web_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// meetAcrossFirewall has a browser page and a Go client meet on the lab's server
// and checks that each receives the other's media and that both take path.
func meetAcrossFirewall(t *testing.T, l *netLab, base, room string, want vocab.MediaPath, goClientToo bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*e2eTimeout)
	defer cancel()
	b := startBrowser(t, ctx,
		// getUserMedia wants a secure context; the lab's server is plain HTTP on
		// a private address.
		chromedp.Flag("unsafely-treat-insecure-origin-as-secure", base),
		// The TURN relay's certificate is the lab's own.
		chromedp.Flag("ignore-certificate-errors", true),
	)
	t.Cleanup(l.logSockets) // before the browser closes its connections
	alice := b.newPage("alice", true)
	alice.join(base, room, "Alice")

	if !goClientToo {
		bob := b.newPage("bob", false)
		bob.join(base, room, "Bob")
		alice.waitMediaFrom(1, 60*time.Second)
		bob.waitMediaFrom(1, 60*time.Second)
	} else {
		tok, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{Identity: "gobot", Room: room,
			Grants: auth.DefaultParticipantGrants(), TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		c := publishClipsAt(t, ctx, base, tok)
		var wg sync.WaitGroup
		var pkts atomic.Int64
		wg.Go(func() {
			for ev := range c.Events() {
				if sub, ok := ev.(client.TrackSubscribed); ok {
					wg.Go(func() {
						for {
							if _, err := sub.Track.ReadRTP(); err != nil {
								return
							}
							pkts.Add(1)
						}
					})
				}
			}
		})
		defer func() { _ = c.Close(); wg.Wait() }()
		alice.waitMediaFrom(1, 60*time.Second)
		deadline := time.Now().Add(30 * time.Second)
		for pkts.Load() < 100 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if pkts.Load() < 100 {
			t.Fatalf("the Go client received %d packets from the browser", pkts.Load())
		}
		if got := c.MediaPath(); got != want {
			t.Errorf("the Go client's media path is %q, want %q", got, want)
		}
	}
	const quality = `document.querySelector('.tile[data-key="local:camera"] .quality')`
	alice.waitJS("the path "+string(want)+" in the connection indicator", quality+`?.dataset.path === "`+string(want)+`"`, 20*time.Second)
}

// On a network where UDP is blocked and only HTTP and the TURN/TLS port get
// through, a browser page and a Go client meet through the embedded relay, and the
// page's connection indicator says so.
func TestE2ENoUDPMeetsThroughTURNOverTLS(t *testing.T) {
	l := newNetLab(t)
	l.firewall(labHTTP, labTURNTLS)
	base := l.serve()
	// Pion verifies the relay's certificate with the system roots: the lab's
	// certificate is the only root this test process needs.
	t.Setenv("SSL_CERT_FILE", l.certFile)
	meetAcrossFirewall(t, l, base, "no-udp-room", vocab.MediaPathTURNTLS, true)
}

// With UDP blocked and the ICE-TCP port open (the relay's ports closed), a browser
// page and a Go client meet over ICE-TCP alone.
func TestE2EOnlyICETCPOpenMeetsOverTCP(t *testing.T) {
	l := newNetLab(t)
	l.firewall(labHTTP, labICETCP)
	base := l.serve()
	meetAcrossFirewall(t, l, base, "tcp-only-room", vocab.MediaPathTCP, true)
}
