package client

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"10", 10 * time.Second},
		{" 2 ", 2 * time.Second},
		{"", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// Only a 503 is busy; its wait is the server's, bounded, with at most a tenth more.
func TestBusyWaitBoundsTheServersRetryAfter(t *testing.T) {
	busy := func(ra time.Duration) error {
		return fmt.Errorf("wrapped: %w", &Error{Op: "join", HTTPStatus: http.StatusServiceUnavailable, Code: "server_overloaded", RetryAfter: ra})
	}
	for _, tt := range []struct{ ra, lo time.Duration }{
		{0, time.Second}, {300 * time.Millisecond, time.Second}, {2 * time.Second, 2 * time.Second},
		{10 * time.Second, 10 * time.Second}, {time.Hour, 10 * time.Second},
	} {
		for range 20 {
			got, ok := busyWait(busy(tt.ra))
			if !ok || got < tt.lo || got > tt.lo+tt.lo/10 {
				t.Fatalf("Retry-After %v: wait %v (busy %v), want within [%v, %v]", tt.ra, got, ok, tt.lo, tt.lo+tt.lo/10)
			}
		}
	}
	for _, err := range []error{
		nil, errors.New("dial refused"),
		&Error{Op: "join", HTTPStatus: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: time.Second},
		&Error{Op: "join", HTTPStatus: http.StatusForbidden, Code: "room_full"},
		&Error{Op: "add_track", Code: "server_overloaded"},
	} {
		if _, ok := busyWait(err); ok {
			t.Errorf("busyWait(%v) says busy", err)
		}
	}
}
