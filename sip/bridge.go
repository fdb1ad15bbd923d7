package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
)

// Bridge answers SIP calls and joins each to its meeting's room.
type Bridge struct {
	cfg Config
	log *slog.Logger

	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	dialogs *sipgo.DialogServerCache
	client  *sipgo.Client
	reg     *registrar // nil without Config.Register
	auth    *digestAuth
	metrics *metrics
	udp     net.PacketConn
	tcp     net.Listener
	tls     net.Listener   // nil without Config.TLSListen
	public  netip.AddrPort // what Contact and SDP say

	ctx    context.Context // ends in Close: hangs up every call
	cancel context.CancelFunc
	calls  sync.WaitGroup // calls, and the registrar's loop
	serves sync.WaitGroup // the listeners' serve loops

	mu     sync.Mutex
	active map[string]*call     // by Call-ID
	dialed map[string]*outbound // placed calls, by Dialed.ID
	closed bool
}

// New listens on cfg.Listen (UDP, and TCP unless left out of cfg.Transports) and
// returns a Bridge ready to Serve.
func New(cfg Config) (*Bridge, error) {
	if !codec.Built {
		return nil, fmt.Errorf("sip: %w", codec.ErrNotBuilt)
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	host, portStr, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: listen %q: %w", ErrConfig, c.Listen, err)
	}
	listenIP, err := netip.ParseAddr(host)
	if err != nil {
		return nil, fmt.Errorf("%w: listen host %q must be an IP address: %w", ErrConfig, host, err)
	}
	publicIP := listenIP
	if c.PublicIP != "" {
		publicIP = netip.MustParseAddr(c.PublicIP)
	} else if listenIP.IsUnspecified() {
		return nil, fmt.Errorf("%w: listen on %s needs a public IP to put in Contact and SDP", ErrConfig, host)
	}
	b := &Bridge{cfg: c, log: c.Logger.With("component", "sip"), metrics: newMetrics(), active: map[string]*call{}, dialed: map[string]*outbound{}}
	b.ctx, b.cancel = context.WithCancel(context.Background())

	b.udp, b.tcp, err = listenUDPAndTCP(host, portStr, slices.Contains(c.Transports, "tcp"))
	if err != nil {
		return nil, err
	}
	port := b.udp.LocalAddr().(*net.UDPAddr).Port
	b.public = netip.AddrPortFrom(publicIP, uint16(port))
	if err := b.listenTLS(); err != nil {
		b.closeListeners()
		return nil, err
	}
	realm := c.Domain
	if realm == "" {
		realm = publicIP.String()
	}
	b.auth = newDigestAuth(realm)

	if err := b.startUA(); err != nil {
		b.closeListeners()
		return nil, err
	}
	if c.Register != nil {
		if b.reg, err = newRegistrar(b, *c.Register); err != nil {
			b.closeListeners()
			_ = b.ua.Close()
			return nil, err
		}
	}
	return b, nil
}

func (b *Bridge) startUA() error {
	var err error
	clientTLS, err := b.cfg.clientTLS()
	if err != nil {
		return err
	}
	b.ua, err = sipgo.NewUA(sipgo.WithUserAgent("Ensemble"), sipgo.WithUserAgentHostname(b.public.Addr().String()),
		sipgo.WithUserAgenTLSConfig(clientTLS))
	if err != nil {
		return fmt.Errorf("sip: user agent: %w", err)
	}
	b.srv, err = sipgo.NewServer(b.ua, sipgo.WithServerLogger(b.log))
	if err != nil {
		_ = b.ua.Close()
		return fmt.Errorf("sip: server: %w", err)
	}
	cl, err := sipgo.NewClient(b.ua, sipgo.WithClientHostname(b.public.Addr().String()), sipgo.WithClientLogger(b.log))
	if err != nil {
		_ = b.ua.Close()
		return fmt.Errorf("sip: client: %w", err)
	}
	b.client = cl
	b.dialogs = sipgo.NewDialogServerCache(cl, b.contact())
	b.srv.OnInvite(b.onInvite)
	b.srv.OnAck(b.onAck)
	b.srv.OnBye(b.onBye)
	b.srv.OnOptions(b.onOptions)
	b.srv.OnInfo(b.onInfo)
	b.srv.OnUpdate(b.onUpdate)
	return nil
}

// Addr is the SIP address the bridge serves (its UDP port; TCP is the same port).
func (b *Bridge) Addr() netip.AddrPort {
	return b.udp.LocalAddr().(*net.UDPAddr).AddrPort()
}

// sendFromSIPPort makes req, if it goes over UDP, leave from the bridge's SIP
// socket instead of a socket sipgo would open for it: the far end's NAT and
// firewall know that port, responses come back to the socket the bridge
// serves, and no connection of sipgo's own is left to outlive the request
// (sipgo 1.7.3 can drop its count of such a connection below zero without
// closing it).
func (b *Bridge) sendFromSIPPort(req *sip.Request) {
	if !strings.EqualFold(req.Transport(), "udp") {
		return
	}
	local := b.Addr()
	req.Laddr = sip.Addr{IP: net.IP(local.Addr().AsSlice()), Port: int(local.Port()), Hostname: local.Addr().String()}
}

// Serve serves SIP until ctx ends or Close, then hangs up every call (BYE) and
// returns once they are all gone.
func (b *Bridge) Serve(ctx context.Context) error {
	b.log.Info("sip bridge listening", "addr", b.Addr().String(), "public", b.public.String(),
		"transports", b.cfg.Transports, "tls", b.tlsLogAddr(), "domain", b.cfg.Domain)
	errs := make(chan error, 3)
	b.serves.Go(func() { errs <- b.srv.ServeUDP(b.udp) })
	if b.tcp != nil {
		b.serves.Go(func() { errs <- b.srv.ServeTCP(b.tcp) })
	}
	if b.tls != nil {
		b.serves.Go(func() { errs <- b.srv.ServeTLS(b.tls) })
	}
	if b.reg != nil {
		b.calls.Go(func() { b.reg.run(b.ctx) })
	}
	var err error
	select {
	case <-ctx.Done():
	case <-b.ctx.Done():
	case err = <-errs:
		if !errors.Is(err, net.ErrClosed) {
			err = fmt.Errorf("sip: serve: %w", err)
		} else {
			err = nil
		}
	}
	b.Close()
	return err
}

// Close hangs up every call, stops listening and waits for the calls' goroutines.
func (b *Bridge) Close() {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	if already {
		b.calls.Wait()
		b.serves.Wait()
		return
	}
	// The calls hang up first, while the SIP sockets still carry their BYEs and
	// the answers to them.
	b.cancel()
	b.calls.Wait()
	b.closeListeners()
	b.serves.Wait()
	_ = b.srv.Close()
	_ = b.ua.Close()
}

func (b *Bridge) closeListeners() {
	if b.udp != nil {
		_ = b.udp.Close()
	}
	if b.tcp != nil {
		_ = b.tcp.Close()
	}
	if b.tls != nil {
		_ = b.tls.Close()
	}
}

// Calls is the number of calls in progress (answered or being answered).
func (b *Bridge) Calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.active)
}

// Registration is the state of the registration at Config.Register's
// registrar (ok false without one).
func (b *Bridge) Registration() (state RegistrationState, ok bool) {
	if b.reg == nil {
		return RegistrationState{}, false
	}
	return b.reg.State(), true
}

// Answered is the number of calls answered and not yet ended.
func (b *Bridge) Answered() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.active {
		if c.answered.Load() {
			n++
		}
	}
	return n
}

// admit reserves a place for a call, or says why there is none.
func (b *Bridge) admit(c *call) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("%w: the bridge is shutting down", ErrTooManyCalls)
	}
	if len(b.active) >= b.cfg.MaxCalls {
		return fmt.Errorf("%w: %d calls in progress, the limit", ErrTooManyCalls, len(b.active))
	}
	if _, dup := b.active[c.id]; dup {
		return fmt.Errorf("sip: call %s exists already", c.id)
	}
	b.active[c.id] = c
	b.calls.Add(1)
	return nil
}

func (b *Bridge) release(c *call) {
	b.mu.Lock()
	delete(b.active, c.id)
	b.mu.Unlock()
	b.calls.Done()
}

// listenIP is the address calls' RTP sockets bind to: the SIP listen address.
func (b *Bridge) listenIP() netip.Addr {
	return b.udp.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
}

// contact is the bridge's Contact header.
func (b *Bridge) contact() sip.ContactHeader {
	return sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "ensemble", Host: b.public.Addr().String(), Port: int(b.public.Port())}}
}

// CodecsBuilt reports whether this binary has the Opus and G.722 coders the bridge
// needs (build tag sipcodecs); without them New refuses to start.
func CodecsBuilt() bool { return codec.Built }
