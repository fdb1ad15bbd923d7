package sip_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/testcert"
	"github.com/ensemble-sfu/ensemble/sip"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key, as
// PEM files, and returns their paths.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	return testcert.New(t, 1).Files(t, t.TempDir())
}

// newTLSEnv is newEnv with SIP over TLS on a port of its own, with a
// self-signed certificate; the bridge's log is kept in logs.
func newTLSEnv(t *testing.T) (e *env, certFile string, logs *logBuffer) {
	t.Helper()
	certFile, keyFile := selfSigned(t)
	logs = &logBuffer{}
	e = newEnv(t, func(c *sip.Config) {
		c.TLSListen, c.TLSCertFile, c.TLSKeyFile = "127.0.0.1:0", certFile, keyFile
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	return e, certFile, logs
}

// baresipTLSConfig loads baresip's SRTP module and has it trust the
// bridge's certificate.
func baresipTLSConfig(certFile string) string {
	return fmt.Sprintf("module srtp.so\nsip_cafile %s\n", certFile)
}

// baresip calls a meeting over TLS with SRTP mandatory (srtp-mand: it offers
// RTP/SAVP with a=crypto and hangs up on an answer without SRTP): the room
// hears its 1 kHz tone and baresip hears the room's 440 Hz, which only
// decrypt with the keys both sides gave in their SDP.
func TestBaresipOverTLSWithSRTPBothWaysCarryTheirTone(t *testing.T) {
	e, certFile, logs := newTLSEnv(t)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	alice, frames := e.joinListener(t, ctx, room)
	publishTone(t, ctx, alice, 440)

	wav := filepath.Join(t.TempDir(), "tone-1k.wav")
	src := &tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}
	if err := writeWAV(wav, 8000, src.Next(8000*30)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresipWith(t, wav, "PCMU/8000/1", "Salle chiffrée",
		fmt.Sprintf("sip:%s@127.0.0.1:%d;transport=tls", number, e.bridge.TLSAddr().Port()),
		";mediaenc=srtp-mand", baresipTLSConfig(certFile))

	heard, err := collect(ctx, frames, 48000*2)
	if err != nil {
		t.Fatalf("the room heard %d samples from the call: %v", len(heard), err)
	}
	if f, share := tone.Peak(heard, 48000); math.Abs(f-1000) > 15 || share < 0.5 {
		t.Fatalf("the room heard a peak at %.1f Hz (share %.2f), want 1000 Hz", f, share)
	}
	if l := logs.String(); !strings.Contains(l, "sip call answered") || !strings.Contains(l, "transport=TLS") || !strings.Contains(l, "srtp=AES_CM_128_HMAC_SHA1_") {
		t.Fatalf("the call was not answered over TLS with SRTP:\n%s", l)
	}
	ua.stop(ctx)
	ua.requireHeard440(t)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}

// A call over TLS whose offer is plain RTP/AVP (baresip without its SRTP
// module's mediaenc) is refused 488, saying that SRTP is required: keys that
// TLS protects must not come with media anyone on the path can hear.
func TestBaresipOverTLSWithoutSRTPIsRefused(t *testing.T) {
	e, certFile, logs := newTLSEnv(t)
	_, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	wav := filepath.Join(t.TempDir(), "tone-1k.wav")
	src := &tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}
	if err := writeWAV(wav, 8000, src.Next(8000*5)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresipWith(t, wav, "PCMU/8000/1", "Salle en clair",
		fmt.Sprintf("sip:%s@127.0.0.1:%d;transport=tls", number, e.bridge.TLSAddr().Port()), "", baresipTLSConfig(certFile))
	waitFor(t, ctx, "the refusal", func() bool { return strings.Contains(ua.out.String(), "488") })
	l := logs.String()
	if !strings.Contains(l, "sip call refused") || !strings.Contains(l, "status=488") ||
		!strings.Contains(l, "SRTP required: the call came over TLS and its offer has no RTP/SAVP audio with a=crypto") {
		t.Fatalf("no log line of the refusal:\n%s", l)
	}
	if e.bridge.Answered() != 0 {
		t.Fatal("a call was answered")
	}
}

// SDES offers over UDP (sipp): an a=crypto line whose key is not base64, one
// whose key has the wrong length, and a line in a suite the bridge does not
// take are refused 488 with a Warning that says which; a well-formed offer
// is answered RTP/SAVP with a key of the bridge's own in the offered tag.
func TestSippSDESOffers(t *testing.T) {
	e := newEnv(t, nil)
	_, number := e.meeting(t)
	for _, scenario := range []string{"sdes_bad_base64.xml", "sdes_short_key.xml", "sdes_unknown_suite.xml", "sdes_answered.xml"} {
		if err := runSipp(t, t.Context(), e.bridge, scenario, number, 1); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, t.Context(), "the calls to end", func() bool { return e.bridge.Calls() == 0 })
}

// A TLS listener needs a certificate and key that load; a bad one stops
// New with the file named, not the first call.
func TestTLSConfigRefused(t *testing.T) {
	certFile, keyFile := selfSigned(t)
	otherCert, _ := selfSigned(t)
	base := sip.Config{Listen: "127.0.0.1:0", Domain: "sip.test", URL: "http://127.0.0.1:1", APIKey: "k", APISecret: "s"}
	for _, tc := range []struct {
		name string
		tune func(*sip.Config)
		want string
	}{
		{"no key", func(c *sip.Config) { c.TLSListen, c.TLSCertFile = "127.0.0.1:0", certFile }, "needs a certificate file and a key file"},
		{"key of another certificate", func(c *sip.Config) { c.TLSListen, c.TLSCertFile, c.TLSKeyFile = "127.0.0.1:0", otherCert, keyFile }, "private key does not match public key"},
		{"missing file", func(c *sip.Config) {
			c.TLSListen, c.TLSCertFile, c.TLSKeyFile = "127.0.0.1:0", certFile+".gone", keyFile
		}, "no such file"},
		{"host name", func(c *sip.Config) { c.TLSListen, c.TLSCertFile, c.TLSKeyFile = "localhost:5061", certFile, keyFile }, `TLS listen host "localhost" must be an IP address`},
		{"certificate without listener", func(c *sip.Config) { c.TLSCertFile, c.TLSKeyFile = certFile, keyFile }, "files without a TLS listen address"},
		{"tls as a transport", func(c *sip.Config) { c.Transports = []string{"udp", "tls"} }, `transport "tls" (udp or tcp; TLS has its own listener, TLSListen)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.tune(&cfg)
			b, err := sip.New(cfg)
			if err == nil {
				b.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// The bridge calls, over TLS, a baresip that answers by itself with SRTP
// mandatory: the call is answered, each side hears the other's tone through
// SRTP, and hanging up ends it. baresip's certificate (the same self-signed
// one) is checked against Config.TLSCAFile.
func TestDialOutOverTLSWithSRTP(t *testing.T) {
	e, certFile, keyFile, logs := newTLSDialEnv(t)
	room, _ := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	alice, frames := e.joinListener(t, ctx, room)
	publishTone(t, ctx, alice, 440)

	ua := startBaresipTLSCallee(t, ctx, certFile, keyFile, "")
	d, err := e.bridge.Dial(room, fmt.Sprintf("sip:tester@127.0.0.1:%d;transport=tls", ua.port+1), "Salle B")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("bridge log:\n%s", logs.String())
		}
	}()
	waitFor(t, ctx, "the answer", func() bool {
		s, err := e.bridge.Dialed(room, d.ID)
		return err == nil && s.State == sip.DialAnswered
	})
	heard, err := collect(ctx, frames, 48000*2)
	if err != nil {
		t.Fatalf("the room heard %d samples from the called phone: %v", len(heard), err)
	}
	if f, share := tone.Peak(heard, 48000); math.Abs(f-1000) > 15 || share < 0.5 {
		t.Fatalf("the room heard a peak at %.1f Hz (share %.2f), want 1000 Hz", f, share)
	}
	if l := logs.String(); !strings.Contains(l, "sip dial-out answered") || !strings.Contains(l, "srtp=AES_CM_128_HMAC_SHA1_") {
		t.Fatalf("the call was not answered with SRTP:\n%s", l)
	}
	if err := e.bridge.HangUp(room, d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the call to end", func() bool {
		s, _ := e.bridge.Dialed(room, d.ID)
		return s.State == sip.DialEnded && e.bridge.Calls() == 0
	})
	// The BYE reached baresip over TLS: its call closed, and its recording of
	// the room holds the 440 Hz tone, which it decrypted with our key.
	waitFor(t, ctx, "baresip to see the hang-up", func() bool { return strings.Contains(ua.out.String(), "session closed") })
	ua.stop(ctx)
	ua.requireHeard440(t)
}

// When the bridge hangs up a call that came over TLS (here its participant
// is removed from the room), its BYE goes back over the caller's TLS
// connection, and the caller's call closes.
func TestBridgeHangsUpATLSCall(t *testing.T) {
	e, certFile, logs := newTLSEnv(t)
	room, number := e.meeting(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	alice, _ := e.joinListener(t, ctx, room)
	wav := filepath.Join(t.TempDir(), "tone-1k.wav")
	if err := writeWAV(wav, 8000, (&tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}).Next(8000*30)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresipWith(t, wav, "PCMU/8000/1", "Salle chiffrée",
		fmt.Sprintf("sip:%s@127.0.0.1:%d;transport=tls", number, e.bridge.TLSAddr().Port()),
		";mediaenc=srtp-mand", baresipTLSConfig(certFile))
	var identity string
	waitFor(t, ctx, "the caller in the room", func() bool {
		for _, p := range alice.Others() {
			if p.Kind == vocab.ParticipantSIP {
				identity = p.Identity
			}
		}
		return identity != "" && e.bridge.Answered() == 1
	})
	if err := e.api.RemoveParticipant(ctx, room, identity); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
	waitFor(t, ctx, "baresip to hear the BYE", func() bool { return strings.Contains(ua.out.String(), "session closed") })
	if l := logs.String(); strings.Contains(l, "sip BYE failed") || !strings.Contains(l, "why=\"room connection closed\"") {
		t.Fatalf("the bridge's BYE:\n%s", l)
	}
}

// A trunk with RequireSRTP refuses a plain offer over UDP (488, Warning 399)
// and answers an SDES one.
func TestSippTrunkRequiresSRTP(t *testing.T) {
	e := newEnv(t, func(c *sip.Config) {
		c.Trunks = []sip.Trunk{{Name: "pbx", Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, RequireSRTP: true}}
	})
	_, number := e.meeting(t)
	for _, scenario := range []string{"srtp_required.xml", "sdes_answered.xml"} {
		if err := runSipp(t, t.Context(), e.bridge, scenario, number, 1); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, t.Context(), "the calls to end", func() bool { return e.bridge.Calls() == 0 })
}

// newTLSDialEnv is newEnv with SIP over TLS that dials out too, trusting
// its own self-signed certificate (Config.TLSCAFile), which the baresip
// called serves as well; the bridge's log is kept in logs.
func newTLSDialEnv(t *testing.T) (e *env, certFile, keyFile string, logs *logBuffer) {
	t.Helper()
	certFile, keyFile = selfSigned(t)
	logs = &logBuffer{}
	e = newEnv(t, func(c *sip.Config) {
		c.TLSListen, c.TLSCertFile, c.TLSKeyFile, c.TLSCAFile = "127.0.0.1:0", certFile, keyFile, certFile
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	return e, certFile, keyFile, logs
}

// startBaresipTLSCallee starts a baresip that answers by itself over TLS
// (its SIP port + 1) with SRTP mandatory, sending a 1 kHz tone, with more
// lines of config, and waits until it is ready.
func startBaresipTLSCallee(t *testing.T, ctx context.Context, certFile, keyFile, moreConfig string) *baresip {
	t.Helper()
	// baresip serves TLS with the certificate and key in one PEM file.
	both := filepath.Join(t.TempDir(), "baresip.pem")
	certPEM, _ := os.ReadFile(certFile)
	keyPEM, _ := os.ReadFile(keyFile)
	if err := os.WriteFile(both, append(certPEM, keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(t.TempDir(), "tone-1k.wav")
	if err := writeWAV(wav, 8000, (&tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}).Next(8000*30)); err != nil {
		t.Fatal(err)
	}
	ua := startBaresipWith(t, wav, "PCMU/8000/1", "Desk phone", "", ";mediaenc=srtp-mand",
		fmt.Sprintf("module srtp.so\nsip_certificate %s\nsip_cafile %s\n", both, certFile)+moreConfig)
	// TCP has no retransmission to cover baresip's start: its TLS port (its
	// SIP port + 1) must be listening before the call.
	waitFor(t, ctx, "baresip to start", func() bool { return strings.Contains(ua.out.String(), "baresip is ready") })
	return ua
}
