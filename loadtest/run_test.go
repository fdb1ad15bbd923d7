package loadtest

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
)

func startServer(t *testing.T) (*servertest.Server, Config) {
	t.Helper()
	srv := servertest.Start(t)
	cfg := Config{
		URL:       strings.Replace(srv.URL, "http://", "ws://", 1),
		APIKey:    srv.APIKey,
		APISecret: srv.APISecret,
		Rooms:     1,
		Duration:  4 * time.Second,
	}
	return srv, cfg
}

// A short run against a real server: every track is subscribed, loss stays near zero on
// loopback, the SFU passes abs-capture-time through (so delay is measured), and the
// server's own counters are read.
func TestRunAgainstRealServer(t *testing.T) {
	_, cfg := startServer(t)
	cfg.Publishers, cfg.Subscribers, cfg.Simulcast = 2, 1, true

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Run(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	_ = rep.WriteTable(&table)
	t.Logf("report:\n%s", table.String())

	if rep.Participants != 3 || rep.JoinFailures != 0 {
		t.Errorf("participants %d, join failures %d; want 3 and 0 (errors: %v)", rep.Participants, rep.JoinFailures, rep.Errors)
	}
	// pub-1 and pub-2 each receive the other's audio and video; the subscriber both.
	if rep.TracksExpected != 8 || rep.TracksSubscribed != rep.TracksExpected {
		t.Errorf("tracks subscribed %d of %d, want 8 of 8", rep.TracksSubscribed, rep.TracksExpected)
	}
	if rep.PacketsReceived == 0 || rep.BitrateKbps <= 0 {
		t.Errorf("no media received: %d packets, %.0f kbit/s", rep.PacketsReceived, rep.BitrateKbps)
	}
	// Loopback loses nothing; a loaded test machine may drop the odd packet.
	if rep.LossPct > 2 {
		t.Errorf("loss %.2f%% on loopback", rep.LossPct)
	}
	if rep.DelayMS.Count == 0 {
		t.Error("no end-to-end delay sample: abs-capture-time did not pass through the SFU")
	}
	if rep.JoinMS.Count != 3 || rep.JoinMS.P50 <= 0 {
		t.Errorf("join times %+v, want 3 samples", rep.JoinMS)
	}
	if rep.ServerCPUSeconds == nil || rep.ServerPacketsOut == nil || *rep.ServerPacketsOut <= 0 {
		t.Errorf("server figures missing: cpu %v packets %v", rep.ServerCPUSeconds, rep.ServerPacketsOut)
	}
}

// `--subscriber-mode light` through Run: every track of the light subscribers is
// subscribed and measured, and the report carries the generator's own CPU.
func TestRunWithLightSubscribers(t *testing.T) {
	_, cfg := startServer(t)
	cfg.Publishers, cfg.Subscribers, cfg.Simulcast, cfg.SubscriberMode = 1, 3, true, SubscriberLight
	cfg.Duration = 3 * time.Second

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Run(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	_ = rep.WriteTable(&table)
	t.Logf("report:\n%s", table.String())
	if rep.TracksExpected != 6 || rep.TracksSubscribed != 6 || rep.JoinFailures != 0 {
		t.Errorf("tracks %d of %d, join failures %d: want 6 of 6 and none (errors %v)", rep.TracksSubscribed, rep.TracksExpected, rep.JoinFailures, rep.Errors)
	}
	if rep.PacketsReceived == 0 || rep.LossPct > 2 || rep.DelayMS.Count == 0 || rep.JoinMS.Count != 3 {
		t.Errorf("received %d packets, loss %.2f%%, %d delay samples, %d join times", rep.PacketsReceived, rep.LossPct, rep.DelayMS.Count, rep.JoinMS.Count)
	}
	if rep.SubscriberMode != "light" || rep.GeneratorCPUSeconds == nil || *rep.GeneratorCPUSeconds <= 0 {
		t.Errorf("subscriber mode %q, generator CPU %v", rep.SubscriberMode, rep.GeneratorCPUSeconds)
	}
	// The per-packet cost counts only what arrived while the CPU was measured (in
	// a large run media flows to the first subscribers during the later joins).
	if m := rep.PacketsReceivedMeasured; m == 0 || m > rep.PacketsReceived || rep.GeneratorCPUUsPerPacket == nil {
		t.Errorf("packets received %d, of which measured %d, generator µs per packet set: %v",
			rep.PacketsReceived, m, rep.GeneratorCPUUsPerPacket != nil)
	}
}

// Churn replaces participants while media keeps flowing; every replacement joins.
func TestRunWithChurn(t *testing.T) {
	_, cfg := startServer(t)
	cfg.Publishers, cfg.Subscribers, cfg.AudioOnly, cfg.Churn = 1, 2, true, 2
	cfg.Duration = 3 * time.Second

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Run(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Joins < 5 || rep.JoinFailures != 0 {
		t.Errorf("joins %d (failed %d), want at least 5 with churn and none failed: %v", rep.Joins, rep.JoinFailures, rep.Errors)
	}
	if rep.Participants != 3 {
		t.Errorf("%d participants at the end, want 3", rep.Participants)
	}
}

func TestCommandRefusesUnknownSubscriberMode(t *testing.T) {
	err := Command(context.Background(), []string{"--dev", "--subscriber-mode", "half"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `subscriber mode "half": want light or full`) {
		t.Fatalf("got %v, want the mode refused by name", err)
	}
}

func TestCommandRefusesRemoteServer(t *testing.T) {
	err := Command(context.Background(), []string{"--dev", "--url", "ws://192.0.2.1:7880"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("got %v, want a refusal naming loopback", err)
	}
}
