package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

func TestAPIActionsAreSentAsWebhooks(t *testing.T) {
	var mu sync.Mutex
	var got []webhook.Event
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhook.VerifyRequest(r, testSecret)
		if err != nil {
			t.Errorf("receiver: %v", err)
			return
		}
		var ev webhook.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("receiver: %v", err)
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer rcv.Close()
	n, err := webhook.New(t.Context(), webhook.Config{URLs: []string{rcv.URL}, APIKey: testKey, Secret: testSecret,
		MinBackoff: time.Millisecond, AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	e := newEnv(t, func(d *Deps) { d.Webhooks = n })

	e.do("POST", "/api/v1/rooms", e.admin, `{"name":"r1"}`).ok(t, 201, nil)
	var v meeting.View
	e.do("POST", "/api/v1/meetings", e.admin, meetingBody).ok(t, 201, &v)
	e.do("PATCH", "/api/v1/meetings/"+v.ID, e.admin, `{"title":"Renamed"}`).ok(t, 200, nil)
	e.do("DELETE", "/api/v1/meetings/"+v.ID, e.admin, "").ok(t, 200, nil)
	e.do("DELETE", "/api/v1/rooms/r1", e.admin, "").ok(t, 204, nil)
	if err := n.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []webhook.EventType{webhook.RoomCreated, webhook.MeetingCreated, webhook.MeetingUpdated, webhook.MeetingCancelled, webhook.RoomDeleted}
	if len(got) != len(want) {
		t.Fatalf("got %d events: %+v", len(got), got)
	}
	for i, ev := range got {
		if ev.Type != want[i] {
			t.Fatalf("event %d is %s, want %s", i, ev.Type, want[i])
		}
	}
	var m meeting.View
	if err := json.Unmarshal(got[3].Data, &m); err != nil || m.ID != v.ID || m.Status != meeting.StatusCancelled {
		t.Fatalf("meeting_cancelled data %s: %v", got[3].Data, err)
	}
}
