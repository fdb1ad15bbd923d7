package client

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// Option configures Join.
type Option func(*options)

type options struct {
	log           *slog.Logger
	autoSubscribe bool
	resume        bool
	rejoin        bool
	net           transport.Net
	codecs        []string
	settings      func(*webrtc.SettingEngine)
	httpClient    *http.Client
	eventBuffer   int
	room          string
	requestTime   time.Duration
	interceptors  []interceptor.Factory
	noDefaults    bool // WithoutDefaultInterceptors
	headerCrypto  webrtc.RTPHeaderEncryptionPolicy
	lobbyWaiting  func(LobbyWaiting)
	joinRetry     time.Duration
}

func defaultOptions() options {
	return options{
		log:           slog.Default(),
		autoSubscribe: true,
		resume:        true,
		requestTime:   10 * time.Second,
		joinRetry:     DefaultJoinRetry,
	}
}

// WithLogger sets the logger (default slog.Default()). The client adds its room and
// participant attributes.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithAutoSubscribe says whether the server subscribes the client to every track of
// the others (default true). Without it, call Subscribe.
func WithAutoSubscribe(on bool) Option { return func(o *options) { o.autoSubscribe = on } }

// WithResume turns the automatic resume after a lost connection on or off (default on).
// Off, a lost connection ends the client with a Closed event.
func WithResume(on bool) Option { return func(o *options) { o.resume = on } }

// WithRejoin makes a session the server can no longer resume (410
// resume_unavailable: the node that held it died or restarted; with several nodes
// the room is placed again on a live one) join again as a new participant through
// the same URL, publish its tracks again and go on (event Rejoined), instead of
// ending with ErrResumeFailed (default off). A session closed with room_moved (its
// node drains) always rejoins, unless WithResume(false).
func WithRejoin(on bool) Option { return func(o *options) { o.rejoin = on } }

// WithNet routes the client's ICE sockets and its WebSocket through n instead of
// the operating system's network (Pion's transport.Net; the WebSocket dials with
// n's DialContext(ctx, network, address) when it has one, else with n.Dial).
// Package clienttest's Network uses it to cut the network or lose packets.
func WithNet(n transport.Net) Option { return func(o *options) { o.net = n } }

// WithCodecs limits the codecs the client offers and accepts, both ways, to these
// MIME types (webrtc.MimeTypeOpus, MimeTypeRED, webrtc.MimeTypePCMU, ...; every
// H.264 profile comes with webrtc.MimeTypeH264). A SIP bridge that speaks only
// G.711 says WithCodecs(webrtc.MimeTypePCMU, webrtc.MimeTypePCMA,
// MimeTypeTelephoneEvent) and receives others' audio as PCMU or PCMA when they
// publish it so. The default is every codec the server accepts except RED: Opus
// that a browser sends in RED then arrives as plain Opus. Join refuses an unknown
// type with ErrInvalidOptions.
func WithCodecs(mimeTypes ...string) Option {
	return func(o *options) { o.codecs = append([]string(nil), mimeTypes...) }
}

// WithSettingEngine lets the caller adjust Pion's SettingEngine after the client's
// defaults (loopback candidates for a loopback server, no mDNS) were applied; for
// example SetEphemeralUDPPortRange, to keep the media ports of a bridge's many
// clients within a range a firewall lets through (see Ports in the package doc).
func WithSettingEngine(f func(*webrtc.SettingEngine)) Option {
	return func(o *options) { o.settings = f }
}

// WithHTTPClient sets the HTTP client used for the WebSocket handshake.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithRoom asks for a room by name in the query; the token must allow it. Without it
// the token's room is used.
func WithRoom(name string) Option { return func(o *options) { o.room = name } }

// WithJoinRetry bounds how long Join keeps trying a join the server refuses with
// 503 (busy: see Join) before it returns the last refusal; 0 returns the first
// refusal at once. The default is DefaultJoinRetry. The caller's context bounds
// the retries too.
func WithJoinRetry(total time.Duration) Option {
	return func(o *options) { o.joinRetry = max(total, 0) }
}

// WithRequestTimeout bounds how long a request waits for its answer when the
// caller's context has no earlier deadline (default 10 s).
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.requestTime = d } }

// WithRTPHeaderEncryptionPolicy sets whether the client's connections negotiate
// the encryption of RTP header extensions (RFC 9335, "cryptex"); the default is
// Pion's, webrtc.RTPHeaderEncryptionPolicyNegotiate. The load generator's light
// subscribers pass webrtc.RTPHeaderEncryptionPolicyDisable: they read the
// transport-wide sequence number and abs-capture-time without decrypting, as a
// browser without cryptex receives them.
func WithRTPHeaderEncryptionPolicy(p webrtc.RTPHeaderEncryptionPolicy) Option {
	return func(o *options) { o.headerCrypto = p }
}

// WithoutDefaultInterceptors leaves out Pion's default interceptors (NACK generator
// and responder, RTCP reports, statistics, TWCC feedback) while negotiating what
// they would (the same RTCP feedback and header extensions): for a connection
// whose media Pion never reads, where they would only tick. The load generator's
// light subscribers read their media off the socket and send their own feedback;
// each default interceptor kept a ticker per connection, tens of thousands of
// wake-ups a second at a thousand subscribers.
func WithoutDefaultInterceptors() Option {
	return func(o *options) { o.noDefaults = true }
}

// WithInterceptor adds a Pion interceptor to both of the client's connections, after
// the default ones (the load generator stamps abs-capture-time with one).
func WithInterceptor(f interceptor.Factory) Option {
	return func(o *options) { o.interceptors = append(o.interceptors, f) }
}
