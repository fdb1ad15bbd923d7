package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/transport/v5"
)

// maxServerMessage bounds one message from the server (SDP of a large room).
const maxServerMessage = 4 << 20

// rtcURL turns the server's address into the ws(s)://…/rtc URL.
func rtcURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("client: server url %q: %w", raw, err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("client: server url %q: scheme must be http, https, ws or wss", raw)
	}
	if !strings.HasSuffix(u.Path, "/rtc") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/rtc"
	}
	return u.String(), nil
}

// dial opens a WebSocket and reads the first message: join (resumeSID == "") or
// resumed. A refusal becomes an *Error with the server's code.
func (c *Client) dial(ctx context.Context, resumeSID string) (*websocket.Conn, protocol.JoinResponse, error) {
	op := "join"
	u, _ := url.Parse(c.url)
	q := u.Query()
	q.Set("access_token", c.token)
	q.Set("protocol", strconv.Itoa(protocol.Version))
	if !c.opts.autoSubscribe {
		q.Set("auto_subscribe", "false")
	}
	if c.opts.codecs != nil {
		// Limited codecs: the server gives a video in another codec through its
		// backup, and asks its publisher for one.
		q.Set("video_codecs", strings.Join(videoMimeTypes(c.codecs), ","))
	}
	if c.opts.room != "" {
		q.Set("room", c.opts.room)
	}
	if resumeSID != "" {
		op = "resume"
		q.Set("resume", resumeSID)
	}
	u.RawQuery = q.Encode()

	httpClient := c.opts.httpClient
	if httpClient == nil && c.opts.net != nil {
		httpClient = &http.Client{Transport: &http.Transport{DialContext: netDialer(c.opts.net)}}
	}
	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: httpClient})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, protocol.JoinResponse{}, refusalFromHTTP(op, resp)
		}
		return nil, protocol.JoinResponse{}, fmt.Errorf("client: %s: dial %s: %w", op, c.url, err)
	}
	ws.SetReadLimit(maxServerMessage)
	_, b, err := ws.Read(ctx)
	if err != nil {
		_ = ws.CloseNow()
		if code, reason := websocket.CloseStatus(err), closeReason(err); code != -1 && reason != "" {
			return nil, protocol.JoinResponse{}, &Error{Op: op, Code: reason, Message: "the server closed the connection"}
		}
		return nil, protocol.JoinResponse{}, fmt.Errorf("client: %s: read first message: %w", op, err)
	}
	msg, err := protocol.DecodeServer(b)
	if err == nil && msg.Type == protocol.TypeLobbyWaiting && resumeSID == "" {
		msg, err = c.waitInLobby(ctx, ws, msg)
		if why, lost := lobbyLost(ctx, msg, err); lost {
			_ = ws.CloseNow()
			return nil, protocol.JoinResponse{}, fmt.Errorf("%w: %s", errKnockAgain, why)
		}
	}
	if err != nil {
		_ = ws.CloseNow()
		if reason := closeReason(err); reason != "" {
			return nil, protocol.JoinResponse{}, &Error{Op: op, Code: reason, Message: "the server closed the connection"}
		}
		return nil, protocol.JoinResponse{}, fmt.Errorf("client: %s: %w", op, err)
	}
	want := protocol.TypeJoin
	if resumeSID != "" {
		want = protocol.TypeResumed
	}
	switch body := msg.Body.(type) {
	case protocol.JoinResponse:
		if msg.Type != want {
			_ = ws.CloseNow()
			return nil, protocol.JoinResponse{}, fmt.Errorf("%w: %s opened with %q, want %q", ErrUnexpectedMessage, op, msg.Type, want)
		}
		return ws, body, nil
	case protocol.ErrorMessage:
		_ = ws.CloseNow()
		return nil, protocol.JoinResponse{}, &Error{Op: op, Code: body.Code, Message: body.Message}
	case protocol.CloseEvent:
		_ = ws.CloseNow()
		return nil, protocol.JoinResponse{}, &Error{Op: op, Code: string(body.Reason), Message: body.Message}
	}
	_ = ws.CloseNow()
	return nil, protocol.JoinResponse{}, fmt.Errorf("%w: %s opened with %q", ErrUnexpectedMessage, op, msg.Type)
}

func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}

// refusalFromHTTP reads the server's JSON {"code","message"} from a refused handshake.
func refusalFromHTTP(op string, resp *http.Response) error {
	e := &Error{Op: op, HTTPStatus: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	var body []byte
	if resp.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 4096))
	}
	var payload struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Error   *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &payload) == nil {
		e.Code, e.Message = payload.Code, payload.Message
		if e.Code == "" && payload.Error != nil {
			e.Code, e.Message = payload.Error.Code, payload.Error.Message
		}
	}
	if e.Code == "" {
		e.Code = "http_" + strconv.Itoa(resp.StatusCode)
		e.Message = strings.TrimSpace(string(body))
	}
	return e
}

// attach makes ws the connection requests go to.
func (c *Client) attach(ws *websocket.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws = ws
	close(c.connected)
}

// detach forgets a lost ws and fails the requests waiting on it.
func (c *Client) detach(ws *websocket.Conn) {
	c.mu.Lock()
	if c.ws != ws || c.closed {
		c.mu.Unlock()
		return
	}
	c.ws = nil
	c.connected = make(chan struct{})
	pending := c.pending
	c.pending = map[uint32]chan reply{}
	c.mu.Unlock()
	for _, ch := range pending {
		ch <- reply{err: ErrConnectionLost}
	}
}

// send writes one message without waiting for an answer.
func (c *Client) send(ctx context.Context, typ string, reqID uint32, data any) error {
	b, err := protocol.Encode(typ, reqID, data)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	c.mu.Lock()
	ws := c.ws
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if ws == nil {
		return ErrConnectionLost
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := ws.Write(wctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("client: send %s: %w", typ, err)
	}
	return nil
}

// request sends a message with a fresh req_id and waits for the server's answer to
// it (ack, answer, track_published, pong) or its refusal (*Error). While the client
// is reconnecting, the request waits for the new connection.
func (c *Client) request(ctx context.Context, typ string, data any) (protocol.ServerMessage, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.requestTime)
		defer cancel()
	}
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return protocol.ServerMessage{}, ErrClosed
		}
		if c.ws == nil {
			up := c.connected
			c.mu.Unlock()
			select {
			case <-up:
				continue
			case <-c.done:
				return protocol.ServerMessage{}, ErrClosed
			case <-ctx.Done():
				return protocol.ServerMessage{}, fmt.Errorf("client: %s: waiting for the connection: %w", typ, ctx.Err())
			}
		}
		c.nextReq++
		id := c.nextReq
		ch := make(chan reply, 1)
		c.pending[id] = ch
		c.mu.Unlock()

		forget := func() {
			c.mu.Lock()
			delete(c.pending, id)
			c.mu.Unlock()
		}
		if err := c.send(ctx, typ, id, data); err != nil {
			forget()
			return protocol.ServerMessage{}, err
		}
		select {
		case r := <-ch:
			if r.err != nil {
				return protocol.ServerMessage{}, fmt.Errorf("client: %s: %w", typ, r.err)
			}
			if e, ok := r.msg.Body.(protocol.ErrorMessage); ok {
				return r.msg, &Error{Op: typ, Code: e.Code, Message: e.Message}
			}
			return r.msg, nil
		case <-ctx.Done():
			forget()
			return protocol.ServerMessage{}, fmt.Errorf("client: %s: no answer: %w", typ, ctx.Err())
		}
	}
}

// session reads the connection until the session ends, resuming after losses
// and rejoining when the room moved to another node.
func (c *Client) session(ws *websocket.Conn) {
	defer c.wg.Done()
	for {
		err := c.readLoop(ws)
		c.detach(ws)
		_ = ws.CloseNow()
		if c.isClosed() {
			return
		}
		if !c.opts.resume {
			c.shutdown(&Closed{Err: fmt.Errorf("%w: %v", ErrConnectionLost, err)})
			return
		}
		c.events.push(Reconnecting{Cause: err})
		var next *websocket.Conn
		if errors.Is(err, errRoomMoved) {
			c.log.Info("the room moved to another node; joining again", "url", c.url)
			c.holdOthers()
			if next, err = c.rejoin(); err == nil {
				c.awaitMoved()
			}
		} else {
			c.log.Info("signalling connection lost, resuming", "err", err)
			next, err = c.reconnect()
			var e *Error
			if c.opts.rejoin && errors.As(err, &e) && e.Code == protocol.CodeResumeUnavailable {
				c.log.Info("the server forgot the session (its node died?); joining again", "url", c.url)
				next, err = c.rejoin()
			}
		}
		if err != nil {
			c.shutdown(&Closed{Err: err})
			return
		}
		ws = next
	}
}

// readLoop handles messages until the connection fails; it pings meanwhile.
func (c *Client) readLoop(ws *websocket.Conn) error {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.wg.Add(1)
	go c.pingLoop(ctx)
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		msg, err := protocol.DecodeServer(b)
		if err != nil {
			c.log.Warn("undecodable message from the server", "err", err)
			continue
		}
		if cl, ok := msg.Body.(protocol.CloseEvent); ok && cl.Reason == vocab.ReasonRoomMoved && c.opts.resume {
			return errRoomMoved
		}
		if done := c.handle(msg); done {
			return errSessionOver
		}
	}
}

var errSessionOver = errors.New("client: session over")

// pingLoop pings at the interval the server asked for, so it knows we are alive.
func (c *Client) pingLoop(ctx context.Context) {
	defer c.wg.Done()
	c.mu.Lock()
	interval := time.Duration(c.join.PingIntervalMS) * time.Millisecond
	c.mu.Unlock()
	if interval <= 0 {
		interval = 10 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// A pong needs no waiting: any message from the server proves the link.
			_ = c.send(ctx, protocol.TypePing, 0, protocol.PingMessage{Timestamp: time.Now().UnixMilli()})
		}
	}
}

// netDialer is how the WebSocket dials through a transport.Net: with its own
// DialContext when it has one (a test network that refuses dials while cut),
// else with its Dial.
func netDialer(n transport.Net) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if d, ok := n.(interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	}); ok {
		return d.DialContext
	}
	return func(_ context.Context, network, addr string) (net.Conn, error) { return n.Dial(network, addr) }
}
