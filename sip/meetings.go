package sip

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// Meetings finds the room a meeting number (its SIP id, also the dial-in PIN)
// leads to. An unknown or cancelled meeting is ErrUnknownMeeting.
type Meetings interface {
	RoomOf(ctx context.Context, number string) (room string, err error)
}

// APIMeetings asks the server's room API (GET /api/v1/meetings/{sip id}) with a
// short-lived token signed by the API key: the bridge then needs nothing but the
// URL and the key, whether it runs inside the server or beside it.
type APIMeetings struct {
	URL, APIKey, APISecret string
	HTTP                   *http.Client // nil: a client with a 5 s timeout
}

var defaultLookupHTTP = &http.Client{Timeout: 5 * time.Second}

// RoomOf implements Meetings.
func (a *APIMeetings) RoomOf(ctx context.Context, number string) (string, error) {
	if !meeting.IsSIPID(number) {
		return "", fmt.Errorf("%w: %q is not a meeting number", ErrUnknownMeeting, number)
	}
	tok, err := auth.Sign(a.APIKey, a.APISecret, auth.TokenParams{
		Identity: "sip-bridge", Grants: auth.Grants{RoomList: true}, TTL: time.Minute,
	})
	if err != nil {
		return "", fmt.Errorf("sip: meeting look-up token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		strings.TrimRight(a.URL, "/")+"/api/v1/meetings/"+url.PathEscape(number), nil)
	if err != nil {
		return "", fmt.Errorf("sip: meeting look-up: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	hc := a.HTTP
	if hc == nil {
		hc = defaultLookupHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("sip: meeting look-up: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("sip: meeting look-up: read: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return "", fmt.Errorf("%w: %s", ErrUnknownMeeting, number)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("sip: meeting look-up: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var m meeting.Meeting
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("sip: meeting look-up: decode: %w", err)
	}
	if m.Status == meeting.StatusCancelled {
		return "", fmt.Errorf("%w: meeting %s is cancelled", ErrUnknownMeeting, m.ID)
	}
	return m.Room, nil
}
