package api

import (
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
)

// Bodies encoding/json would take and the API refuses, each with its code and the
// field at fault; nothing is created by any of them.
func TestAPIRefusesLooseBodies(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.Dev = true })
	tests := []struct {
		name, method, path, body, ctype string
		status                          int
		code, field                     string
	}{
		{"duplicate key", "POST", "/api/v1/rooms", `{"name":"dup-a","name":"dup-b"}`, "application/json", 400, "duplicate_key", "name"},
		{"key matched by case", "POST", "/api/v1/rooms", `{"NAME":"case-a"}`, "application/json", 400, "unknown_field", "NAME"},
		{"nested duplicate", "PATCH", "/api/v1/rooms/r1/participants/bob", `{"permissions":{"can_publish":true,"can_publish":false}}`, "application/json", 400, "duplicate_key", "can_publish"},
		{"invalid UTF-8", "POST", "/api/v1/rooms", "{\"name\":\"utf\",\"metadata\":\"\xff\"}", "application/json", 400, "invalid_utf8", ""},
		{"no content type", "POST", "/api/v1/rooms", `{"name":"ctype-a"}`, "", 415, "unsupported_media_type", ""},
		{"form content type", "POST", "/api/v1/rooms", `{"name":"ctype-b"}`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"text content type", "POST", "/api/v1/meetings", `{"title":"x"}`, "text/plain", 415, "unsupported_media_type", ""},
		{"guest name with bidi override", "POST", "/api/rooms/r1/join", `{"name":"evil\u202egnp.exe"}`, "application/json", 422, "invalid_field", "name"},
		{"guest name with NUL", "POST", "/api/rooms/r1/join", `{"name":"a\u0000"}`, "application/json", 422, "invalid_field", "name"},
		{"metadata with escape sequence", "POST", "/api/v1/rooms", `{"name":"meta","metadata":"\u001b[2J"}`, "application/json", 422, "invalid_field", "metadata"},
		{"meeting title with bidi override", "POST", "/api/v1/meetings", `{"title":"\u202eevil","start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z"}`, "application/json", 422, "invalid_field", "title"},
		{"recurrence that never occurs", "POST", "/api/v1/meetings", `{"title":"Never","start":"2030-01-01T10:00:00Z","end":"2030-01-01T11:00:00Z","recurrence":"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}`, "application/json", 422, "invalid_field", "recurrence"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := e.admin
			if strings.HasPrefix(tc.path, "/api/rooms/") {
				token = "" // the guest route takes no token
			}
			r := e.do(tc.method, tc.path, token, tc.body, "Content-Type", tc.ctype)
			var fields []string
			if tc.field != "" {
				fields = []string{tc.field}
			}
			r.problem(t, tc.status, tc.code, fields...)
		})
	}
	var list apiwire.RoomList
	e.do("GET", "/api/v1/rooms", e.admin, "").ok(t, 200, &list)
	if len(list.Rooms) != 0 {
		t.Fatalf("refused bodies created rooms: %+v", list.Rooms)
	}
}
