package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Client is one participant's session with an Ensemble server: a WebSocket for
// signalling and two PeerConnections (publisher: the client offers; subscriber: the
// server offers). Create it with Join; end it with Leave or Close.
type Client struct {
	opts   options
	codecs []codec // offered and accepted on both connections
	url    string
	token  string
	log    *slog.Logger

	ctx    context.Context // the client's lifetime; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	events *eventQueue
	// stopEvents ends event delivery once the owner closed the client.
	stopEvents sync.Once

	pub, sub  *webrtc.PeerConnection
	streamIDs *streamIDs // MID/RID of the publisher's streams
	// negotiating serialises publisher offers: one offer/answer at a time.
	negotiating sync.Mutex

	mu        sync.Mutex
	ws        *websocket.Conn // nil while reconnecting
	connected chan struct{}   // closed while ws is usable; replaced on loss
	nextReq   uint32
	pending   map[uint32]chan reply
	join      protocol.JoinResponse
	self      vocab.ParticipantInfo
	room      vocab.RoomInfo
	others    map[string]vocab.ParticipantInfo // by SID
	// moving holds, by identity, the others of before the room moved until their
	// new sessions claim them (roommove.go); moveGen counts the moves.
	moving  map[string]vocab.ParticipantInfo
	moveGen int
	local   map[string]*LocalTrack  // by client id
	remote  map[string]*RemoteTrack // by track SID
	// remoteCandidates holds candidates that arrived before their connection's
	// remote description.
	remoteCandidates map[vocab.Target][]webrtc.ICECandidateInit
	remoteReady      map[vocab.Target]bool
	closed           bool
	closedEv         *Closed
	done             chan struct{}
}

// reply is the answer to a request: a message with its req_id, or a lost connection.
type reply struct {
	msg protocol.ServerMessage
	err error
}

// Join connects to the server at url (http(s):// or ws(s)://, with or without the
// /rtc path) with an access token, and returns once the server accepted the
// participant. A refusal is an *Error carrying the server's code (ErrorCode).
// A join refused with 503 (the node is busy: past its budget, its room's node
// unreachable, its store failing over) is tried again after the server's
// Retry-After, within WithJoinRetry's budget; any other refusal returns at once.
// ctx bounds the join only: the session lives until Leave, Close or the server ends it.
func Join(ctx context.Context, url, token string, opts ...Option) (*Client, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	wsURL, err := rtcURL(url)
	if err != nil {
		return nil, err
	}
	codecs := defaultCodecs()
	if o.codecs != nil {
		if codecs, err = selectCodecs(o.codecs); err != nil {
			return nil, err
		}
	}
	cctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		opts:             o,
		codecs:           codecs,
		url:              wsURL,
		token:            token,
		log:              o.log,
		ctx:              cctx,
		cancel:           cancel,
		events:           newEventQueue(),
		connected:        make(chan struct{}),
		pending:          map[uint32]chan reply{},
		others:           map[string]vocab.ParticipantInfo{},
		local:            map[string]*LocalTrack{},
		remote:           map[string]*RemoteTrack{},
		remoteCandidates: map[vocab.Target][]webrtc.ICECandidateInit{},
		remoteReady:      map[vocab.Target]bool{},
		done:             make(chan struct{}),
	}
	ws, jr, err := c.dialJoin(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	c.log = o.log.With("room", jr.Room.Name, "participant", jr.Participant.Identity, "sid", jr.Participant.SID)
	if err := c.newPeerConnections(wsURL, jr); err != nil {
		_ = ws.CloseNow()
		cancel()
		return nil, err
	}
	c.applyJoin(jr, false)
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.events.run() }()
	c.attach(ws)
	c.wg.Add(1)
	go c.session(ws)
	c.log.Debug("joined", "others", len(jr.Others))
	return c, nil
}

// Events delivers the session's events in order; it is closed after Close. Events
// queue without bound while nobody reads.
func (c *Client) Events() <-chan Event { return c.events.out }

// Done is closed when the session has ended (left, closed by the server, resume
// failed, or Close). Call Close anyway to release everything.
func (c *Client) Done() <-chan struct{} { return c.done }

// CloseReason is the reason the session ended (nil while it runs).
func (c *Client) CloseReason() *Closed {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closedEv
}

// Self is the client's own participant as the server last described it.
func (c *Client) Self() vocab.ParticipantInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.self
}

// Room describes the room as of the join (or last resume).
func (c *Client) Room() vocab.RoomInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.room
}

// JoinResponse is the server's last join (or resumed) message.
func (c *Client) JoinResponse() protocol.JoinResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.join
}

// Others lists the other visible participants with their tracks, oldest first.
func (c *Client) Others() []vocab.ParticipantInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]vocab.ParticipantInfo, 0, len(c.others))
	for _, p := range c.others {
		p.Tracks = slices.Clone(p.Tracks)
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b vocab.ParticipantInfo) int {
		if d := a.JoinedAt.Compare(b.JoinedAt); d != 0 {
			return d
		}
		return compareStrings(a.SID, b.SID)
	})
	return out
}

// Other finds another participant by identity.
func (c *Client) Other(identity string) (vocab.ParticipantInfo, bool) {
	for _, p := range c.Others() {
		if p.Identity == identity {
			return p, true
		}
	}
	return vocab.ParticipantInfo{}, false
}

// RemoteTracks lists the tracks the client receives now.
func (c *Client) RemoteTracks() []*RemoteTrack {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*RemoteTrack, 0, len(c.remote))
	for _, t := range c.remote {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *RemoteTrack) int { return compareStrings(a.TrackSID, b.TrackSID) })
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Leave tells the server the participant leaves (others see ParticipantLeft with
// reason client_left), then closes the client.
func (c *Client) Leave(ctx context.Context) error {
	var err error
	if !c.isClosed() {
		_, err = c.request(ctx, protocol.TypeLeave, nil)
		if errors.Is(err, ErrClosed) {
			err = nil // the server closed first: that is leaving too
		}
	}
	c.shutdown(&Closed{Reason: vocab.ReasonClientLeft})
	c.wait()
	if err != nil {
		return fmt.Errorf("client: leave: %w", err)
	}
	return nil
}

// Close ends the session at once and waits for every goroutine of the client.
// While connected it leaves politely (best effort, bounded to one second), so the
// server does not keep the participant for a resume.
func (c *Client) Close() error {
	if !c.isClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, _ = c.request(ctx, protocol.TypeLeave, nil)
		cancel()
	}
	c.shutdown(&Closed{Reason: vocab.ReasonClientLeft})
	c.wait()
	return nil
}

// goTracked runs f in a goroutine that Close waits for, unless the client is
// already closed (then f does not run: Close may be waiting already).
func (c *Client) goTracked(f func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// shutdown ends the session once: it records why, fails pending requests, closes
// the connections and emits Closed. It does not wait (the session goroutine calls it).
func (c *Client) shutdown(ev *Closed) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.closedEv = ev
	ws := c.ws
	c.ws = nil
	pending := c.pending
	c.pending = map[uint32]chan reply{}
	locals := c.local
	c.mu.Unlock()

	for _, ch := range pending {
		ch <- reply{err: ErrClosed}
	}
	close(c.done)
	c.cancel()
	if ws != nil {
		_ = ws.Close(websocket.StatusNormalClosure, "")
	}
	for _, t := range locals {
		t.markGone()
	}
	if err := c.pubPC().Close(); err != nil {
		c.log.Debug("close publisher connection", "err", err)
	}
	if err := c.subPC().Close(); err != nil {
		c.log.Debug("close subscriber connection", "err", err)
	}
	c.events.push(*ev)
	c.log.Debug("session ended", "reason", ev.Reason, "err", ev.Err)
}

// wait stops event delivery and waits for the client's goroutines.
func (c *Client) wait() {
	c.stopEvents.Do(func() { close(c.events.stop) })
	c.wg.Wait()
}

// otherBySID finds another participant by SID.
func (c *Client) otherBySID(sid string) (vocab.ParticipantInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.others[sid]
	if ok {
		p.Tracks = slices.Clone(p.Tracks)
	}
	return p, ok
}
