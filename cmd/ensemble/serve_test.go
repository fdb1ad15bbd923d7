package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiclient"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(serveChildEnv); ok {
		os.Exit(runServeChild(args))
	}
	if args, ok := os.LookupEnv(sipChildEnv); ok {
		os.Exit(runSIPChild(args))
	}
	goleak.VerifyTestMain(m)
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServe runs `ensemble serve` in-process until the returned stop is called (which
// cancels its context, as SIGTERM does, and waits for it to return).
func startServe(t *testing.T, port int, args ...string) (baseURL string, stop func()) {
	t.Helper()
	return startServeOver(t, http.DefaultClient, "http", port, args...)
}

// startServeOver is startServe for a server reached with client over scheme (https
// when args configure TLS).
func startServeOver(t *testing.T, client *http.Client, scheme string, port int, args ...string) (baseURL string, stop func()) {
	t.Helper()
	args = append([]string{"--http-port", strconv.Itoa(port), "--udp-port", "0", "--tcp-port", "-1", "--turn-udp-port", "0",
		"--drain-timeout", "2s", "--log-level", "error"}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, args) }()
	baseURL = scheme + "://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(baseURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not ready after 10 s (last error %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return baseURL, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("serve returned %v after its context ended", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop within 15 s of its context ending")
		}
	}
}

func adminClient(t *testing.T, baseURL string) *apiclient.Client {
	t.Helper()
	tok, err := auth.Sign(auth.DevAPIKey, auth.DevAPISecret, auth.TokenParams{
		Grants: auth.Grants{RoomCreate: true, RoomList: true, RoomAdmin: true}, TTL: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &apiclient.Client{BaseURL: baseURL, Token: tok}
}

// Rooms and meetings created through the API survive a restart of the server on the
// same data directory, and the calendar's idempotency key still finds its meeting.
func TestServeKeepsRoomsAndMeetingsAcrossRestart(t *testing.T) {
	dataDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	port := freePort(t) // the same port both times: join links carry it
	telephony := []string{"--dev", "--data-dir", dataDir, "--sip-domain", "sip.example.org", "--sip-phone-number", "+33 1 23 45 67 89"}
	baseURL, stop := startServe(t, port, telephony...)
	c := adminClient(t, baseURL)
	if _, err := c.CreateRoom(ctx, apiwire.CreateRoomRequest{Name: "board-room", Metadata: `{"floor":3}`, Lobby: true}); err != nil {
		t.Fatalf("create room: %v", err)
	}
	weekly, created, err := c.CreateMeeting(ctx, apiwire.CreateMeetingRequest{
		Title: "Weekly review", Start: "2026-12-01T10:00:00+01:00", End: "2026-12-01T11:00:00+01:00",
		TimeZone: "Europe/Paris", Recurrence: "FREQ=WEEKLY;BYDAY=TU;COUNT=10",
	}, "outlook-event-42")
	if err != nil || !created {
		t.Fatalf("create meeting: created=%v, %v", created, err)
	}
	if weekly.SIPURI != "sip:"+weekly.SIPID+"@sip.example.org" || weekly.DialIn == nil ||
		weekly.DialIn.Number != "+33 1 23 45 67 89" || weekly.DialIn.PIN == "" {
		t.Errorf("configured telephony not in the meeting: sip_uri %q, dial_in %+v", weekly.SIPURI, weekly.DialIn)
	}
	icsBefore, err := c.MeetingICS(ctx, weekly.ID)
	if err != nil {
		t.Fatalf("invite.ics: %v", err)
	}
	stop()

	baseURL, stop = startServe(t, port, telephony...)
	defer stop()
	c = adminClient(t, baseURL)
	room, err := c.GetRoom(ctx, "board-room")
	if err != nil {
		t.Fatalf("room after restart: %v", err)
	}
	if room.Metadata != `{"floor":3}` || !room.Lobby {
		t.Errorf("room after restart = %+v, want its metadata and lobby kept", room)
	}
	icsAfter, err := c.MeetingICS(ctx, weekly.ID)
	if err != nil {
		t.Fatalf("invite.ics after restart: %v", err)
	}
	if !bytes.Equal(icsBefore, icsAfter) {
		t.Errorf("invite changed across the restart:\nbefore:\n%s\nafter:\n%s", icsBefore, icsAfter)
	}
	again, created, err := c.CreateMeeting(ctx, apiwire.CreateMeetingRequest{
		Title: "Weekly review", Start: "2026-12-01T10:00:00+01:00", End: "2026-12-01T11:00:00+01:00",
		TimeZone: "Europe/Paris", Recurrence: "FREQ=WEEKLY;BYDAY=TU;COUNT=10",
	}, "outlook-event-42")
	if err != nil || created || again.ID != weekly.ID {
		t.Fatalf("same idempotency key after restart: id %q (want %q), created=%v, %v", again.ID, weekly.ID, created, err)
	}
}

// A configuration file with an unknown key stops the server at start, naming the key.
func TestServeRefusesUnknownConfigKey(t *testing.T) {
	file := t.TempDir() + "/ensemble.yaml"
	if err := writeFile(file, "http_port: 7880\nhttp_prot: 7881\n"); err != nil {
		t.Fatal(err)
	}
	err := runServe(context.Background(), []string{"--config", file})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("http_prot")) {
		t.Fatalf("got %v, want an error naming http_prot", err)
	}
}
