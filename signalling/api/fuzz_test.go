package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// FuzzRequestBodies feeds arbitrary bodies to the decoders and validators of the
// create-room, create-meeting and update-participant requests: each either accepts
// the body or answers a 4xx problem with a code (never a panic, never a 5xx), and a
// 422 always names the field at fault.
func FuzzRequestBodies(f *testing.F) {
	f.Add([]byte(`{"name":"team-a","max_participants":3,"guest_policy":"allow","lobby":true}`), "application/json")
	f.Add([]byte(`{"title":"t","start":"2026-12-01T10:00:00Z","end":"2026-12-01T11:00:00Z","recurrence":"FREQ=DAILY;COUNT=3"}`), "")
	f.Add([]byte(`{"permissions":{"sources":["camera"]},"name":"x"}`), "application/merge-patch+json")
	f.Add([]byte(`{"name":`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		check := func(p *apiwire.Problem) {
			if p == nil {
				return
			}
			if p.Status < 400 || p.Status >= 500 || p.Code == "" {
				t.Fatalf("problem %+v for body %q", p, body)
			}
			if p.Status == http.StatusUnprocessableEntity && (len(p.Errors) == 0 || p.Errors[0].Field == "") {
				t.Fatalf("422 without a field: %+v", p)
			}
		}
		decode := func(v any) *apiwire.Problem {
			r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			if ctype != "" {
				r.Header.Set("Content-Type", ctype)
			}
			return decodeBody(httptest.NewRecorder(), r, v)
		}
		var room apiwire.CreateRoomRequest
		if p := decode(&room); p != nil {
			check(p)
		} else {
			check(validateCreateRoom(&room))
		}
		var m apiwire.CreateMeetingRequest
		if p := decode(&m); p != nil {
			check(p)
		} else if _, err := meeting.New(meetingInput(&m), "", time.Unix(1_800_000_000, 0)); err != nil {
			if p := meetingProblem(err); p == nil {
				t.Fatalf("meeting error without a field: %v", err)
			} else {
				check(p)
			}
		}
		var up UpdateParticipantRequest
		if p := decode(&up); p != nil {
			check(p)
		} else {
			check(up.validate())
		}
	})
}
