package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	// SignatureHeader holds "t=<unix seconds>,v1=<hex HMAC-SHA256>".
	SignatureHeader = "Ensemble-Signature"
	// KeyHeader names the API key whose secret signed the request, so that a receiver
	// holding several secrets picks the right one.
	KeyHeader = "Ensemble-Key"
	// EventIDHeader repeats Event.ID, for receivers that de-duplicate before parsing.
	EventIDHeader = "Ensemble-Event-Id"
)

// Tolerance is how far a signed timestamp may be from the receiver's clock.
const Tolerance = 5 * time.Minute

// maxVerifiedBody bounds what VerifyRequest reads.
const maxVerifiedBody = 1 << 20

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a SignatureHeader value against body and secret, and that its
// timestamp is within tolerance of now (0 means Tolerance). Several v1 entries are
// accepted (one matching is enough), which lets a sender rotate secrets.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if header == "" {
		return ErrNoSignature
	}
	if tolerance <= 0 {
		tolerance = Tolerance
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: item %q has no '='", ErrMalformedSignature, part)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: two timestamps", ErrMalformedSignature)
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return fmt.Errorf("%w: v1 is not a hex SHA-256 HMAC", ErrMalformedSignature)
			}
			sigs = append(sigs, sig)
		}
		// Unknown schemes are ignored so that a later v2 does not break old receivers.
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: want t=<unix>,v1=<hex>", ErrMalformedSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not a number", ErrMalformedSignature, ts)
	}
	want := mac(secret, ts, body)
	ok := false
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			ok = true
		}
	}
	if !ok {
		return ErrInvalidSignature
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s away from now", ErrTimestampOutOfRange, d.Round(time.Second))
	}
	return nil
}

// VerifyRequest reads r's body (at most 1 MiB) and verifies its signature at the
// current time. It returns the body so that the caller can decode it.
func VerifyRequest(r *http.Request, secret string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxVerifiedBody+1))
	if err != nil {
		return nil, fmt.Errorf("webhook: read body: %w", err)
	}
	if len(body) > maxVerifiedBody {
		return nil, fmt.Errorf("webhook: body larger than %d bytes", maxVerifiedBody)
	}
	if err := Verify(secret, r.Header.Get(SignatureHeader), body, time.Now(), Tolerance); err != nil {
		return nil, err
	}
	return body, nil
}
