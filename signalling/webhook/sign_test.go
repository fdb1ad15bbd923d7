package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

const secret = "a-webhook-secret-of-some-length-000"

func TestVerifyAcceptsWhatSignSigns(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"event":"room_started"}`)
	h := webhook.Sign(secret, now, body)
	if !strings.HasPrefix(h, "t=1800000000,v1=") {
		t.Fatalf("header = %q", h)
	}
	for _, at := range []time.Duration{0, 4 * time.Minute, -4 * time.Minute} {
		if err := webhook.Verify(secret, h, body, now.Add(at), 0); err != nil {
			t.Errorf("Verify at %v: %v", at, err)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"event":"room_started"}`)
	good := webhook.Sign(secret, now, body)
	sig := strings.TrimPrefix(good, "t=1800000000,v1=")
	cases := []struct {
		name   string
		header string
		body   string
		secret string
		at     time.Time
		want   error
	}{
		{"no header", "", string(body), secret, now, webhook.ErrNoSignature},
		{"tampered body", good, `{"event":"room_finished"}`, secret, now, webhook.ErrInvalidSignature},
		{"wrong secret", good, string(body), "another-secret", now, webhook.ErrInvalidSignature},
		{"replayed later", good, string(body), secret, now.Add(6 * time.Minute), webhook.ErrTimestampOutOfRange},
		{"from the future", good, string(body), secret, now.Add(-6 * time.Minute), webhook.ErrTimestampOutOfRange},
		{"timestamp changed", "t=1800000001,v1=" + sig, string(body), secret, now, webhook.ErrInvalidSignature},
		{"no timestamp", "v1=" + sig, string(body), secret, now, webhook.ErrMalformedSignature},
		{"no v1", "t=1800000000", string(body), secret, now, webhook.ErrMalformedSignature},
		{"short v1", "t=1800000000,v1=abcd", string(body), secret, now, webhook.ErrMalformedSignature},
		{"not hex", "t=1800000000,v1=" + strings.Repeat("zz", 32), string(body), secret, now, webhook.ErrMalformedSignature},
		{"bad timestamp", "t=soon,v1=" + sig, string(body), secret, now, webhook.ErrMalformedSignature},
		{"two timestamps", good + ",t=1", string(body), secret, now, webhook.ErrMalformedSignature},
		{"garbage", "hello", string(body), secret, now, webhook.ErrMalformedSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.header, []byte(tc.body), tc.at, 0)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyAcceptsAnyOfSeveralSignatures(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte("{}")
	old := strings.TrimPrefix(webhook.Sign("old-secret", now, body), "t=1800000000,")
	h := webhook.Sign(secret, now, body) + "," + old + ",v2=future-scheme"
	if err := webhook.Verify("old-secret", h, body, now, 0); err != nil {
		t.Fatalf("old secret: %v", err)
	}
	if err := webhook.Verify(secret, h, body, now, 0); err != nil {
		t.Fatalf("new secret: %v", err)
	}
}

// FuzzVerify feeds arbitrary headers: Verify must not panic, and must only accept a
// header that carries the true signature.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add(webhook.Sign(secret, now, []byte("{}")), []byte("{}"))
	f.Add("t=1800000000,v1=00", []byte("x"))
	f.Add("t=,v1=,v1=", []byte(""))
	f.Add("=,=,", []byte("{}"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := webhook.Verify(secret, header, body, now, 0)
		// Hex is read in either case (a signature in capitals is the same bytes), so the
		// oracle compares in lower case.
		header = strings.ToLower(header)
		if err == nil && !strings.Contains(header, strings.TrimPrefix(webhook.Sign(secret, now, body), "t=1800000000,")) {
			// A pass needs the right v1 for some timestamp within tolerance; check it is the right HMAC.
			ok := false
			for d := -5 * time.Minute; d <= 5*time.Minute; d += time.Second {
				sig := webhook.Sign(secret, now.Add(d), body)
				_, v1, _ := strings.Cut(sig, ",")
				if strings.Contains(header, v1) {
					ok = true
					break
				}
			}
			if !ok {
				t.Fatalf("accepted header %q without the right signature", header)
			}
		}
	})
}
