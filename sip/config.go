package sip

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
)

// Config is what a Bridge needs.
type Config struct {
	// Listen is the host:port SIP is served on (UDP, and TCP when in Transports).
	// Port 0 picks one (tests).
	Listen string
	// Domain is the SIP domain of meetings' URIs (sip:<meeting number>@Domain).
	// Calls to other domains are answered all the same: room systems often dial
	// the bridge's address instead.
	Domain string
	// PublicIP is the address put in Contact headers and SDP; empty means the
	// Listen host (which must then not be a wildcard address).
	PublicIP string
	// Transports are "udp" and "tcp"; empty means both.
	Transports []string
	// TLSListen, when set, is the host:port SIP over TLS is served on, with
	// the PEM certificate chain TLSCertFile and its key TLSKeyFile. Calls over
	// TLS must offer SRTP (SDES); see tls.go and srtp.go.
	TLSListen, TLSCertFile, TLSKeyFile string
	// TLSCAFile, when set, holds the PEM CA certificates that TLS peers the
	// bridge connects to are checked against; empty means the system's.
	TLSCAFile string
	// RTPPortMin and RTPPortMax bound the UDP ports of calls' audio (one port per
	// call); zero means any port.
	RTPPortMin, RTPPortMax int
	// MaxCalls bounds the calls at once; more are answered 503. Zero means 100.
	MaxCalls int
	// MediaTimeout hangs up a call whose far end sent no RTP for that long.
	// Zero means 30 s.
	MediaTimeout time.Duration
	// MinSessionExpires is the shortest session timer interval accepted (RFC
	// 4028 Min-SE); zero means 90 s.
	MinSessionExpires time.Duration
	// JitterFrames is how many 20 ms frames the jitter buffers hold back before
	// playing. Zero means 3 (60 ms).
	JitterFrames int

	// GatewayNumber is the number (user part) of the dial-in gateway: a call to
	// it is answered at once with a spoken prompt asking for the meeting number
	// (the PIN of invitations) followed by #, typed as RFC 4733 events or sent
	// in SIP INFO. Empty means no gateway.
	GatewayNumber string
	// PINTries bounds the meeting numbers a gateway caller may try (0 means 3);
	// after the last wrong one it hears goodbye and is hung up.
	PINTries int
	// DigitTimeout is how long the gateway waits for the next key (0 means 10 s).
	DigitTimeout time.Duration

	// Trunks, when any, are who may call: an INVITE from an address on no
	// trunk's allow-list is refused 403, and a trunk that requires it answers
	// a digest challenge first. An address on the allow-list of a trunk that
	// does not require authentication is let in without a challenge. None
	// means anyone may call (open dial-in).
	Trunks []Trunk

	// OnDialProgress, when set, hears each new state of a placed call (ringing,
	// answered, busy, no_answer, failed, ended; not the first, dialing, which
	// Dial returns). It is called from the call's goroutine, in order, and must
	// not block (ensemble serve sends a webhook and a room data message).
	OnDialProgress func(Dialed)

	// Register, when set, keeps the bridge registered at a registrar.
	Register *Registration

	// URL is the Ensemble server the calls join (http://host:port).
	URL string
	// APIKey and APISecret sign the calls' tokens and the meeting look-ups.
	APIKey, APISecret string
	// Meetings finds the room of a called number; nil asks the server's API
	// (APIMeetings).
	Meetings Meetings
	// ClientOptions are added to every call's signalling/client (e.g. a shared
	// ICE UDP mux).
	ClientOptions []client.Option
	// Logger logs the calls; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultMaxCalls is MaxCalls when left at zero.
const DefaultMaxCalls = 100

func (c *Config) withDefaults() (Config, error) {
	cfg := *c
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxCalls == 0 {
		cfg.MaxCalls = DefaultMaxCalls
	}
	if cfg.MediaTimeout == 0 {
		cfg.MediaTimeout = 30 * time.Second
	}
	if cfg.PINTries == 0 {
		cfg.PINTries = 3
	}
	if cfg.DigitTimeout == 0 {
		cfg.DigitTimeout = 10 * time.Second
	}
	if cfg.MinSessionExpires == 0 {
		cfg.MinSessionExpires = DefaultMinSessionExpires
	}
	if cfg.JitterFrames == 0 {
		cfg.JitterFrames = 3
	}
	if len(cfg.Transports) == 0 {
		cfg.Transports = []string{"udp", "tcp"}
	}
	for _, t := range cfg.Transports {
		if t != "udp" && t != "tcp" {
			return cfg, fmt.Errorf("%w: transport %q (udp or tcp; TLS has its own listener, TLSListen)", ErrConfig, t)
		}
	}
	if !slices.Contains(cfg.Transports, "udp") {
		return cfg, fmt.Errorf("%w: transports must include udp", ErrConfig)
	}
	if cfg.URL == "" || cfg.APIKey == "" || cfg.APISecret == "" {
		return cfg, fmt.Errorf("%w: the server URL, API key and API secret are required", ErrConfig)
	}
	if cfg.RTPPortMin < 0 || cfg.RTPPortMax > 65535 || cfg.RTPPortMin > cfg.RTPPortMax {
		return cfg, fmt.Errorf("%w: RTP port range %d-%d", ErrConfig, cfg.RTPPortMin, cfg.RTPPortMax)
	}
	if cfg.MaxCalls < 0 {
		return cfg, fmt.Errorf("%w: max calls %d", ErrConfig, cfg.MaxCalls)
	}
	if cfg.PublicIP != "" {
		if _, err := netip.ParseAddr(cfg.PublicIP); err != nil {
			return cfg, fmt.Errorf("%w: public IP %q: %w", ErrConfig, cfg.PublicIP, err)
		}
	}
	if err := cfg.validateTLS(); err != nil {
		return cfg, err
	}
	for _, t := range cfg.Trunks {
		if err := t.validate(); err != nil {
			return cfg, err
		}
	}
	if cfg.Meetings == nil {
		cfg.Meetings = &APIMeetings{URL: cfg.URL, APIKey: cfg.APIKey, APISecret: cfg.APISecret}
	}
	return cfg, nil
}
