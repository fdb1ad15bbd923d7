package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/ensemble-sfu/ensemble/internal/siptest"
)

// testRegistrar is a registrar on sipgo that refuses (403) until accept is
// set, then grants an hour.
type testRegistrar struct {
	port   int
	accept atomic.Bool
}

func startRegistrar(t *testing.T) *testRegistrar {
	t.Helper()
	r := &testRegistrar{}
	_, addr := siptest.Serve(t, func(srv *sipgo.Server) {
		srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
			if !r.accept.Load() {
				_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusForbidden, "Forbidden", nil))
				return
			}
			res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
			res.AppendHeader(sip.NewHeader("Expires", "3600"))
			_ = tx.Respond(res)
		})
	})
	r.port = addr.Port
	return r
}

// With a registrar, /readyz shows the bridge's registration beside a status
// it does not change (ready while refused, with the registrar's answer, then
// registered until an hour from now), and /metrics has it too.
func TestServeShowsTheSIPRegistration(t *testing.T) {
	needSIPCodecs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reg := startRegistrar(t)
	baseURL, stop := startServe(t, freePort(t), "--dev", "--data-dir", t.TempDir(),
		"--sip-domain", "sip.test", "--sip-listen", "127.0.0.1:"+strconv.Itoa(freeSIPPort(t)),
		"--sip-registrar", "sip:127.0.0.1:"+strconv.Itoa(reg.port), "--sip-register-user", "bridge")
	defer stop()

	type readyz struct {
		Status string `json:"status"`
		SIP    struct {
			Calls        int `json:"calls"`
			Registration *struct {
				Registered bool       `json:"registered"`
				Expires    *time.Time `json:"expires"`
				Attempts   int        `json:"attempts"`
				LastError  string     `json:"last_error"`
			} `json:"registration"`
		} `json:"sip"`
	}
	var last readyz
	waitReady := func(what string, cond func(readyz) bool) {
		t.Helper()
		for {
			resp, err := http.Get(baseURL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = readyz{}
			if err := json.Unmarshal(body, &last); err != nil {
				t.Fatalf("/readyz %q: %v", body, err)
			}
			if resp.StatusCode != http.StatusOK || last.Status != "ready" {
				t.Fatalf("/readyz = %d %s: the registration must not make the node unready", resp.StatusCode, body)
			}
			if last.SIP.Registration != nil && cond(last) {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("waiting for %s: /readyz says %s", what, body)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	waitReady("the refusal", func(r readyz) bool {
		return r.SIP.Registration.Attempts > 0 && strings.Contains(r.SIP.Registration.LastError, "403")
	})
	if r := last.SIP.Registration; r.Registered || r.Expires != nil {
		t.Fatalf("refused but registered: %+v", r)
	}
	reg.accept.Store(true)
	waitReady("the registration", func(r readyz) bool { return r.SIP.Registration.Registered })
	if r := last.SIP.Registration; r.Expires == nil || time.Until(*r.Expires) < 50*time.Minute || r.LastError != "" || r.Attempts < 2 {
		t.Fatalf("registered as %+v, want an hour granted after a refusal", r)
	}
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"ensemble_sip_registered 1", "ensemble_sip_register_attempts_total ", "ensemble_sip_registration_expiry_timestamp_seconds "} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
