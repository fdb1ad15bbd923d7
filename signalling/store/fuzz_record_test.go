package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/meeting"
)

// FuzzDecodeRecord reads arbitrary bytes back as a stored room and as a stored
// meeting, through the codec and through a real bbolt store (GetRoom, ListRooms,
// GetMeeting, ListMeetings, UpdateMeeting). Checked: nothing panics, not even
// when a meeting that decodes is rendered (its view and its .ics); a refused
// value gives an error wrapping ErrInvalid; an accepted value encodes to bytes
// that decode to the same value again (the encoding is stable).
func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"v":1,"room":{"name":"team","sid":"RM_1","max_participants":3,"guest_policy":"allow","lobby":true}}`))
	f.Add([]byte(`{"v":1,"meeting":{"id":"mtg_a","title":"t","start":"2026-12-01T10:00:00+01:00","end":"2026-12-01T11:00:00+01:00",` +
		`"time_zone":"Europe/Paris","recurrence":"FREQ=WEEKLY;BYDAY=TU","lang":"fr","room":"abc-defg-hij","sip_id":"1234567890",` +
		`"sequence":2,"status":"confirmed","created_at":"2026-11-01T00:00:00Z","updated_at":"2026-11-02T00:00:00Z"}}`))
	f.Add([]byte(`{"v":2,"room":{"name":"x"}}`))
	f.Add([]byte(`{"v":1,"meeting":{"id":"m","start":"0001-01-01T00:00:00Z","end":"9999-12-31T23:59:59Z","time_zone":"Mars/Base","recurrence":"FREQ=SECONDLY;COUNT=-1","lang":"xx"}}`))
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`null`))
	s, err := OpenBolt(filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	cfg := meeting.Config{PublicURL: "https://meet.example.com", SIPDomain: "sip.example.com", PhoneNumber: "+33 1 23 45 67 89"}
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, raw []byte) {
		invalid := func(what string, err error) {
			t.Helper()
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("%s: %v does not wrap ErrInvalid", what, err)
			}
		}
		if r, err := decodeRoom(raw); err != nil {
			invalid("decodeRoom", err)
		} else {
			stable(t, r, encodeRoom, decodeRoom)
		}
		if m, err := decodeMeeting(raw); err != nil {
			invalid("decodeMeeting", err)
		} else {
			stable(t, m, encodeMeeting, decodeMeeting)
			_ = cfg.View(m)
			_, _ = cfg.ICS(m)
		}

		if err := WriteRawForTest(s, "rooms", "r", raw); err != nil {
			t.Fatal(err)
		}
		if err := WriteRawForTest(s, "meetings", "m", raw); err != nil {
			t.Fatal(err)
		}
		_, err := s.GetRoom(ctx, "r")
		invalid("GetRoom", err)
		_, err = s.ListRooms(ctx)
		invalid("ListRooms", err)
		_, err = s.GetMeeting(ctx, "m")
		invalid("GetMeeting", err)
		_, err = s.ListMeetings(ctx)
		invalid("ListMeetings", err)
		_, err = s.UpdateMeeting(ctx, "m", func(*meeting.Meeting) error { return nil })
		invalid("UpdateMeeting", err)
	})
}

// stable checks that v encodes, and that its encoding decodes to a value with
// the same encoding.
func stable[T any](t *testing.T, v T, encode func(T) ([]byte, error), decode func([]byte) (T, error)) {
	t.Helper()
	b, err := encode(v)
	if err != nil {
		t.Fatalf("decoded value does not encode: %v", err)
	}
	again, err := decode(b)
	if err != nil {
		t.Fatalf("encoding %s does not decode: %v", b, err)
	}
	b2, err := encode(again)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("encoding not stable: %s then %s (%v)", b, b2, err)
	}
}
