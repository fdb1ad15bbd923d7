package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/api"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/sip"
)

// remoteSIPDialer places the room API's SIP calls through a bridge in its own
// process (`ensemble sip --http`, at sip.bridge_url; sipbridgehttp.go). Each
// placed call's response stays open and brings its states, which are kept
// for GET and announced as a local bridge's are (webhooks, room data).
type remoteSIPDialer struct {
	base        string // sip.bridge_url, without a trailing slash
	key, secret string // the key the bridge holds
	http        *http.Client
	announce    func(apiwire.SIPParticipant)
	log         *slog.Logger

	ctx    context.Context // ends on Close: the calls' responses are let go
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	calls map[string]apiwire.SIPParticipant // by id
}

func newRemoteSIPDialer(base, key, secret string, engine *sfu.Engine, hooks *webhook.Notifier, log *slog.Logger) *remoteSIPDialer {
	ctx, cancel := context.WithCancel(context.Background())
	return &remoteSIPDialer{
		base: strings.TrimSuffix(base, "/"), key: key, secret: secret, log: log.With("sip_bridge", base),
		// The header timeout bounds the wait for the bridge; the body lasts as
		// long as the call.
		http:     &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 10 * time.Second}},
		announce: func(c apiwire.SIPParticipant) { api.AnnounceSIPProgress(engine, hooks, c) },
		ctx:      ctx, cancel: cancel, calls: map[string]apiwire.SIPParticipant{},
	}
}

// Close lets go of the calls' responses (the calls go on at the bridge) and
// waits for their readers.
func (d *remoteSIPDialer) Close() {
	d.cancel()
	d.wg.Wait()
	d.http.CloseIdleConnections()
}

// request makes a request to the bridge, signed for room.
func (d *remoteSIPDialer) request(ctx context.Context, method, path, room string, body io.Reader) (*http.Request, error) {
	tok, err := auth.Sign(d.key, d.secret, auth.TokenParams{Identity: "ensemble-server", Room: room,
		Grants: auth.Grants{RoomAdmin: true}, TTL: time.Minute})
	if err != nil {
		return nil, fmt.Errorf("sip bridge token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+"/bridge/v1/rooms/"+url.PathEscape(room)+"/calls"+path, body)
	if err != nil {
		return nil, fmt.Errorf("sip bridge request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return req, nil
}

func (d *remoteSIPDialer) Dial(room, uri, name string) (apiwire.SIPParticipant, error) {
	body, _ := json.Marshal(apiwire.DialSIPRequest{URI: uri, Name: name})
	req, err := d.request(d.ctx, http.MethodPost, "", room, strings.NewReader(string(body)))
	if err != nil {
		return apiwire.SIPParticipant{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := d.http.Do(req)
	if err != nil {
		return apiwire.SIPParticipant{}, fmt.Errorf("sip bridge at %s: %w", d.base, err)
	}
	if res.StatusCode != http.StatusCreated {
		defer res.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		err := fmt.Errorf("sip bridge at %s: %s: %s", d.base, res.Status, strings.TrimSpace(string(msg)))
		if res.StatusCode == http.StatusBadRequest {
			return apiwire.SIPParticipant{}, fmt.Errorf("%w: %w", api.ErrSIPBadURI, err)
		}
		return apiwire.SIPParticipant{}, err
	}
	lines := newDialStateReader(res.Body)
	first, err := readDialState(lines)
	if err != nil {
		res.Body.Close()
		return apiwire.SIPParticipant{}, fmt.Errorf("sip bridge at %s: %w", d.base, err)
	}
	d.mu.Lock()
	d.forgetEnded()
	d.calls[first.ID] = first
	d.mu.Unlock()
	d.wg.Go(func() {
		defer res.Body.Close()
		d.follow(first, lines)
	})
	return first, nil
}

// follow reads a placed call's states until its last, keeping and announcing
// each. A response cut short (the bridge stopped) is taken as the call's end.
func (d *remoteSIPDialer) follow(c apiwire.SIPParticipant, lines *bufio.Reader) {
	for !finalDialState(sip.DialState(c.State)) {
		next, err := readDialState(lines)
		if err != nil {
			if d.ctx.Err() != nil {
				return // this server is closing: nobody to tell
			}
			d.log.Warn("sip bridge: lost a placed call's progress", "id", c.ID, "room", c.Room, "err", err)
			next = c
			next.State = string(sip.DialFailed)
			if c.State == string(sip.DialAnswered) {
				next.State = string(sip.DialEnded)
			}
		}
		c = next
		d.mu.Lock()
		d.calls[c.ID] = c
		d.mu.Unlock()
		d.announce(c)
	}
}

// maxDialStateLine bounds one line of a dial response: a call's state is a
// few hundred bytes, and a broken bridge must not fill the server's memory.
const maxDialStateLine = 4096

// errBadDialState: a line of a dial response is not a call's state.
var errBadDialState = errors.New("sip bridge: not a call's state")

// newDialStateReader reads a dial response's lines, each at most
// maxDialStateLine long.
func newDialStateReader(body io.Reader) *bufio.Reader {
	return bufio.NewReaderSize(body, maxDialStateLine)
}

// readDialState reads one JSON line of a dial response: a call with an id
// and one of the states a placed call has.
func readDialState(r *bufio.Reader) (apiwire.SIPParticipant, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return apiwire.SIPParticipant{}, fmt.Errorf("%w: a line longer than %d bytes", errBadDialState, maxDialStateLine)
	}
	if err != nil {
		return apiwire.SIPParticipant{}, fmt.Errorf("reading a call's state: %w", err)
	}
	var c apiwire.SIPParticipant
	if err := json.Unmarshal(line, &c); err != nil {
		return apiwire.SIPParticipant{}, fmt.Errorf("%w: %w", errBadDialState, err)
	}
	switch sip.DialState(c.State) {
	case sip.DialDialing, sip.DialRinging, sip.DialAnswered, sip.DialBusy, sip.DialNoAnswer, sip.DialFailed, sip.DialEnded:
	default:
		return apiwire.SIPParticipant{}, fmt.Errorf("%w: state %q", errBadDialState, c.State)
	}
	if c.ID == "" {
		return apiwire.SIPParticipant{}, fmt.Errorf("%w: no id", errBadDialState)
	}
	return c, nil
}

func (d *remoteSIPDialer) Dialed(room, id string) (apiwire.SIPParticipant, error) {
	d.mu.Lock()
	c, ok := d.calls[id]
	d.mu.Unlock()
	if !ok || c.Room != room {
		return apiwire.SIPParticipant{}, fmt.Errorf("%w: %s", api.ErrNoSIPCall, id)
	}
	return c, nil
}

func (d *remoteSIPDialer) HangUp(room, id string) error {
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	req, err := d.request(ctx, http.MethodDelete, "/"+url.PathEscape(id), room, nil)
	if err != nil {
		return err
	}
	res, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("sip bridge at %s: %w", d.base, err)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusNoContent:
		return nil
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s", api.ErrNoSIPCall, id)
	}
	return fmt.Errorf("sip bridge at %s: hang up: %s", d.base, res.Status)
}

// maxRemoteCalls bounds the placed calls whose state the server remembers.
const maxRemoteCalls = 1000

// forgetEnded drops the finished calls when there are too many (d.mu held).
func (d *remoteSIPDialer) forgetEnded() {
	if len(d.calls) < maxRemoteCalls {
		return
	}
	for id, c := range d.calls {
		if finalDialState(sip.DialState(c.State)) {
			delete(d.calls, id)
		}
	}
}
