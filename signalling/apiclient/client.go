package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// Client calls the API of one server. Errors from the server are *apiwire.Problem.
type Client struct {
	// BaseURL is the server's HTTP address, e.g. "http://127.0.0.1:7880".
	BaseURL string
	// Token is the bearer token (an API token with the needed grants).
	Token string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// maxResponseBytes bounds what the client reads of a response.
const maxResponseBytes = 4 << 20

// do sends a request with an optional JSON body and decodes a JSON answer into out
// (when not nil). It returns the HTTP status.
func (c *Client) do(ctx context.Context, method, path string, in, out any, hdr http.Header) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		p := &apiwire.Problem{}
		if json.Unmarshal(data, p) != nil || p.Status == 0 {
			p = &apiwire.Problem{Status: resp.StatusCode, Code: "http_error", Title: http.StatusText(resp.StatusCode),
				Detail: strings.TrimSpace(string(data))}
		}
		return resp.StatusCode, p
	}
	if out != nil {
		if raw, ok := out.(*[]byte); ok {
			*raw = data
		} else if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode response: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func esc(s string) string { return url.PathEscape(s) }

// CreateRoom creates a room.
func (c *Client) CreateRoom(ctx context.Context, in apiwire.CreateRoomRequest) (apiwire.Room, error) {
	var out apiwire.Room
	_, err := c.do(ctx, http.MethodPost, "/api/v1/rooms", in, &out, nil)
	return out, err
}

// ListRooms lists stored and live rooms.
func (c *Client) ListRooms(ctx context.Context) ([]apiwire.Room, error) {
	var out apiwire.RoomList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/rooms", nil, &out, nil)
	return out.Rooms, err
}

// ListNodes lists the live nodes (a server-wide admin token).
func (c *Client) ListNodes(ctx context.Context) ([]cluster.NodeInfo, error) {
	var out apiwire.NodeList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/nodes", nil, &out, nil)
	return out.Nodes, err
}

// DrainNode starts draining a node (a server-wide admin token): it takes no new
// room, its rooms and participants move to other nodes, and it exits once empty.
func (c *Client) DrainNode(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/nodes/"+esc(id)+"/drain", nil, nil, nil)
	return err
}

// GetRoom gets one room.
func (c *Client) GetRoom(ctx context.Context, name string) (apiwire.Room, error) {
	var out apiwire.Room
	_, err := c.do(ctx, http.MethodGet, "/api/v1/rooms/"+esc(name), nil, &out, nil)
	return out, err
}

// DeleteRoom deletes a room and disconnects everyone in it.
func (c *Client) DeleteRoom(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodDelete, "/api/v1/rooms/"+esc(name), nil, nil, nil)
	return err
}

// ListParticipants lists a room's participants.
func (c *Client) ListParticipants(ctx context.Context, room string) ([]protocol.ParticipantInfo, error) {
	var out apiwire.ParticipantList
	_, err := c.do(ctx, http.MethodGet, "/api/v1/rooms/"+esc(room)+"/participants", nil, &out, nil)
	return out.Participants, err
}

// RemoveParticipant disconnects a participant.
func (c *Client) RemoveParticipant(ctx context.Context, room, identity string) error {
	_, err := c.do(ctx, http.MethodDelete, "/api/v1/rooms/"+esc(room)+"/participants/"+esc(identity), nil, nil, nil)
	return err
}

// MuteTrack mutes or unmutes a participant's track.
func (c *Client) MuteTrack(ctx context.Context, room, identity, trackSID string, muted bool) (protocol.TrackInfo, error) {
	var out protocol.TrackInfo
	_, err := c.do(ctx, http.MethodPost, "/api/v1/rooms/"+esc(room)+"/participants/"+esc(identity)+"/tracks/"+esc(trackSID)+"/mute",
		apiwire.MuteRequest{Muted: &muted}, &out, nil)
	return out, err
}

// CreateMeeting schedules a meeting; created is false when idempotencyKey replayed
// an earlier request.
func (c *Client) CreateMeeting(ctx context.Context, in apiwire.CreateMeetingRequest, idempotencyKey string) (v meeting.View, created bool, err error) {
	var hdr http.Header
	if idempotencyKey != "" {
		hdr = http.Header{"Idempotency-Key": {idempotencyKey}}
	}
	status, err := c.do(ctx, http.MethodPost, "/api/v1/meetings", in, &v, hdr)
	return v, status == http.StatusCreated, err
}

// MeetingICS returns the meeting's iCalendar invitation.
func (c *Client) MeetingICS(ctx context.Context, id string) ([]byte, error) {
	var out []byte
	_, err := c.do(ctx, http.MethodGet, "/api/v1/meetings/"+esc(id)+"/invite.ics", nil, &out, nil)
	return out, err
}

// DialSIP calls a SIP URI into room; the call joins on answer.
func (c *Client) DialSIP(ctx context.Context, room string, in apiwire.DialSIPRequest) (apiwire.SIPParticipant, error) {
	var out apiwire.SIPParticipant
	_, err := c.do(ctx, http.MethodPost, "/api/v1/rooms/"+esc(room)+"/sip-participants", in, &out, nil)
	return out, err
}

// SIPParticipant is the progress of a call placed with DialSIP.
func (c *Client) SIPParticipant(ctx context.Context, room, id string) (apiwire.SIPParticipant, error) {
	var out apiwire.SIPParticipant
	_, err := c.do(ctx, http.MethodGet, "/api/v1/rooms/"+esc(room)+"/sip-participants/"+esc(id), nil, &out, nil)
	return out, err
}

// HangUpSIP ends a placed call.
func (c *Client) HangUpSIP(ctx context.Context, room, id string) error {
	_, err := c.do(ctx, http.MethodDelete, "/api/v1/rooms/"+esc(room)+"/sip-participants/"+esc(id), nil, nil, nil)
	return err
}
