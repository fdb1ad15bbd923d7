package loadtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// VideoQuality caps what each publisher sends: low sends only the lowest clip, medium up
// to the middle one, high all three.
type VideoQuality string

// Video qualities.
const (
	VideoLow    VideoQuality = "low"
	VideoMedium VideoQuality = "medium"
	VideoHigh   VideoQuality = "high"
)

// SubscriberMode is how the subscribe-only participants receive media.
type SubscriberMode string

// Subscriber modes.
const (
	// SubscriberFull decrypts and reads every packet through Pion, as a real client
	// does: the mode for correctness runs.
	SubscriberFull SubscriberMode = "full"
	// SubscriberLight completes ICE and DTLS for real but reads only the RTP header
	// of each SRTP packet (it is sent in the clear), and sends the congestion
	// control feedback itself: the mode for many subscribers on few cores.
	SubscriberLight SubscriberMode = "light"
)

// Config is one load-test run.
type Config struct {
	URL         string // ws://host:port (the /rtc path is added when missing)
	APIKey      string
	APISecret   string
	Rooms       int
	Publishers  int // per room
	Subscribers int // per room, subscribe-only
	// SubscriberMode is how the subscribe-only participants receive (default full).
	// Publishers, which also subscribe, always receive in full.
	SubscriberMode SubscriberMode
	Duration       time.Duration // measured time, after every participant has joined
	// JoinTimeout bounds the join phase before Duration starts (default 2 min).
	JoinTimeout time.Duration
	Quality     VideoQuality
	Simulcast   bool
	AudioOnly   bool
	// Churn is how many participants per second leave and are replaced by new ones,
	// across all rooms; 0 disables churn.
	Churn float64
	// AllowRemote permits a URL that is not on a loopback address.
	AllowRemote bool
	// MetricsURL is the server's /metrics; derived from URL when empty.
	MetricsURL string
	// RoomPrefix names the rooms (prefix-0, prefix-1, …).
	RoomPrefix string
}

// DefaultJoinTimeout bounds the join phase when Config.JoinTimeout is zero.
const DefaultJoinTimeout = 2 * time.Minute

// ErrRemoteTarget refuses a load test aimed at a server that is not on this machine.
var ErrRemoteTarget = errors.New("refusing to load a server that is not on a loopback address (use --allow-remote for your own remote servers)")

// Validate checks the configuration and fills defaults.
func (c *Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("url %q: %w", c.URL, err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return fmt.Errorf("url %q: scheme must be ws or wss", c.URL)
	}
	if !c.AllowRemote && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("url %q: %w", c.URL, ErrRemoteTarget)
	}
	switch {
	case c.APIKey == "" || c.APISecret == "":
		return errors.New("api key and secret are required (or --dev)")
	case c.Rooms < 1:
		return fmt.Errorf("rooms must be at least 1, got %d", c.Rooms)
	case c.Publishers < 0 || c.Subscribers < 0 || c.Publishers+c.Subscribers < 1:
		return fmt.Errorf("need at least one publisher or subscriber per room, got %d and %d", c.Publishers, c.Subscribers)
	case c.Duration <= 0:
		return fmt.Errorf("duration must be positive, got %s", c.Duration)
	case c.Churn < 0:
		return fmt.Errorf("churn must not be negative, got %g", c.Churn)
	}
	if c.JoinTimeout < 0 {
		return fmt.Errorf("join timeout must not be negative, got %s", c.JoinTimeout)
	}
	if c.JoinTimeout == 0 {
		c.JoinTimeout = DefaultJoinTimeout
	}
	switch c.Quality {
	case "":
		c.Quality = VideoHigh
	case VideoLow, VideoMedium, VideoHigh:
	default:
		return fmt.Errorf("video quality %q: want low, medium or high", c.Quality)
	}
	switch c.SubscriberMode {
	case "":
		c.SubscriberMode = SubscriberFull
	case SubscriberFull, SubscriberLight:
	default:
		return fmt.Errorf("subscriber mode %q: want light or full", c.SubscriberMode)
	}
	if c.RoomPrefix == "" {
		c.RoomPrefix = "loadtest"
	}
	if c.MetricsURL == "" {
		scheme := "http"
		if u.Scheme == "wss" {
			scheme = "https"
		}
		c.MetricsURL = (&url.URL{Scheme: scheme, Host: u.Host, Path: "/metrics"}).String()
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
