package sip

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Registration is how the bridge registers at a registrar (a PBX, or a SIP
// provider behind NAT), so that calls to its address reach it.
type Registration struct {
	// Registrar is the registrar's URI, e.g. "sip:pbx.example.com:5060".
	Registrar string
	// User is the address of record's user part (sip:User@Domain), and the
	// digest user name; Password answers digest challenges.
	User, Password string
	// Expiry is the lifetime asked for (0 means 300 s); the bridge registers
	// again at four fifths of what the registrar grants.
	Expiry time.Duration
	// RetryMin and RetryMax bound the back-off after a failure (0: 1 s and 5 min),
	// doubling from one to the other.
	RetryMin, RetryMax time.Duration
}

// RegistrationState is the last outcome of registering.
type RegistrationState struct {
	Registered bool
	Expires    time.Time // when the registration runs out (zero when not registered)
	LastError  error
	Attempts   int // REGISTER transactions so far
}

type registrar struct {
	b   *Bridge
	cfg Registration
	aor sip.Uri
	uri sip.Uri

	mu    sync.Mutex
	state RegistrationState
}

func newRegistrar(b *Bridge, r Registration) (*registrar, error) {
	var uri sip.Uri
	if err := sip.ParseUri(r.Registrar, &uri); err != nil {
		return nil, fmt.Errorf("%w: registrar %q: %w", ErrConfig, r.Registrar, err)
	}
	if r.User == "" {
		return nil, fmt.Errorf("%w: registration without a user", ErrConfig)
	}
	if r.Expiry == 0 {
		r.Expiry = 300 * time.Second
	}
	if r.RetryMin == 0 {
		r.RetryMin = time.Second
	}
	if r.RetryMax == 0 {
		r.RetryMax = 5 * time.Minute
	}
	domain := b.cfg.Domain
	if domain == "" {
		domain = uri.Host
	}
	return &registrar{b: b, cfg: r, uri: uri, aor: sip.Uri{Scheme: "sip", User: r.User, Host: domain}}, nil
}

// State is the registration's state now.
func (r *registrar) State() RegistrationState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// run registers until ctx ends, then unregisters (Expires: 0).
func (r *registrar) run(ctx context.Context) {
	callID := randomID() + "@" + r.b.public.Addr().String()
	var cseq uint32
	backoff := r.cfg.RetryMin
	for {
		cseq++
		granted, err := r.register(ctx, callID, &cseq, r.cfg.Expiry)
		r.mu.Lock()
		r.state.Attempts++
		r.state.LastError = err
		r.state.Registered = err == nil
		r.state.Expires = time.Time{}
		if err == nil {
			r.state.Expires = time.Now().Add(granted)
		}
		r.mu.Unlock()
		wait := granted * 4 / 5
		if err != nil {
			r.b.log.Warn("sip REGISTER failed", "registrar", r.uri.String(), "retry_in", backoff, "err", err)
			wait = backoff
			backoff = min(2*backoff, r.cfg.RetryMax)
		} else {
			r.b.log.Info("sip registered", "registrar", r.uri.String(), "aor", r.aor.String(), "expires", granted)
			backoff = r.cfg.RetryMin
		}
		select {
		case <-ctx.Done():
			if r.State().Registered {
				uctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				cseq++
				if _, err := r.register(uctx, callID, &cseq, 0); err != nil {
					r.b.log.Warn("sip unregister failed", "err", err)
				}
				cancel()
			}
			return
		case <-time.After(wait):
		}
	}
}

// register sends one REGISTER (and its digest-authenticated retry) and returns
// the lifetime the registrar granted.
func (r *registrar) register(ctx context.Context, callID string, cseq *uint32, expiry time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	build := func() *sip.Request {
		req := sip.NewRequest(sip.REGISTER, r.uri)
		from := &sip.FromHeader{Address: r.aor, Params: sip.NewParams()}
		from.Params.Add("tag", callID[:8])
		req.AppendHeader(from)
		req.AppendHeader(&sip.ToHeader{Address: r.aor, Params: sip.NewParams()})
		id := sip.CallIDHeader(callID)
		req.AppendHeader(&id)
		req.AppendHeader(&sip.CSeqHeader{SeqNo: *cseq, MethodName: sip.REGISTER})
		req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: r.cfg.User, Host: r.b.public.Addr().String(), Port: int(r.b.public.Port())}})
		req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(int(expiry.Seconds()))))
		req.SetTransport("UDP")
		r.b.sendFromSIPPort(req)
		return req
	}
	req := build()
	res, err := r.b.client.Do(ctx, req)
	if err == nil && (res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired) {
		*cseq++
		req = build()
		res, err = r.b.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: r.cfg.User, Password: r.cfg.Password})
	}
	if err != nil {
		return 0, fmt.Errorf("sip: REGISTER to %s: %w", r.uri.String(), err)
	}
	if res.StatusCode != sip.StatusOK {
		return 0, fmt.Errorf("sip: REGISTER to %s: %d %s", r.uri.String(), res.StatusCode, res.Reason)
	}
	granted := expiry
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(h.Value()); err == nil && n >= 0 {
			granted = time.Duration(n) * time.Second
		}
	}
	if c := res.Contact(); c != nil {
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				granted = time.Duration(n) * time.Second
			}
		}
	}
	return granted, nil
}
