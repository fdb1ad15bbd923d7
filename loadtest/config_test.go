package loadtest

import (
	"errors"
	"testing"
	"time"
)

func TestConfigRefusesRemoteUnlessAllowed(t *testing.T) {
	base := Config{APIKey: "k", APISecret: "s", Rooms: 1, Publishers: 1, Duration: time.Second}
	for _, tc := range []struct {
		url    string
		remote bool
		want   error
	}{
		{"ws://127.0.0.1:7880", false, nil},
		{"ws://localhost:7880", false, nil},
		{"ws://[::1]:7880", false, nil},
		{"ws://127.8.9.10:7880", false, nil},
		{"ws://192.0.2.10:7880", false, ErrRemoteTarget},
		{"wss://meet.example.org", false, ErrRemoteTarget},
		{"wss://meet.example.org", true, nil},
	} {
		c := base
		c.URL, c.AllowRemote = tc.url, tc.remote
		if err := c.Validate(); !errors.Is(err, tc.want) {
			t.Errorf("%s (allow remote %v): got %v, want %v", tc.url, tc.remote, err, tc.want)
		}
	}
}

func TestConfigDerivesMetricsURL(t *testing.T) {
	c := Config{URL: "ws://127.0.0.1:7880/rtc", APIKey: "k", APISecret: "s", Rooms: 1, Publishers: 1, Duration: time.Second}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.MetricsURL != "http://127.0.0.1:7880/metrics" || c.Quality != VideoHigh || c.SubscriberMode != SubscriberFull {
		t.Fatalf("metrics %q quality %q subscriber mode %q", c.MetricsURL, c.Quality, c.SubscriberMode)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	for name, c := range map[string]Config{
		"no rooms":     {URL: "ws://127.0.0.1", APIKey: "k", APISecret: "s", Publishers: 1, Duration: time.Second},
		"no duration":  {URL: "ws://127.0.0.1", APIKey: "k", APISecret: "s", Rooms: 1, Publishers: 1},
		"bad quality":  {URL: "ws://127.0.0.1", APIKey: "k", APISecret: "s", Rooms: 1, Publishers: 1, Duration: time.Second, Quality: "ultra"},
		"http scheme":  {URL: "http://127.0.0.1", APIKey: "k", APISecret: "s", Rooms: 1, Publishers: 1, Duration: time.Second},
		"no key":       {URL: "ws://127.0.0.1", Rooms: 1, Publishers: 1, Duration: time.Second},
		"nobody":       {URL: "ws://127.0.0.1", APIKey: "k", APISecret: "s", Rooms: 1, Duration: time.Second},
		"churn < zero": {URL: "ws://127.0.0.1", APIKey: "k", APISecret: "s", Rooms: 1, Publishers: 1, Duration: time.Second, Churn: -1},
		"bad mode":     {URL: "ws://127.0.0.1", APIKey: "k", APISecret: "s", Rooms: 1, Publishers: 1, Duration: time.Second, SubscriberMode: "half"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
