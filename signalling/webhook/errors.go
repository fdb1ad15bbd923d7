package webhook

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrNoSignature: the request has no Ensemble-Signature header.
	ErrNoSignature = errors.New("webhook: missing signature header")
	// ErrMalformedSignature: the header is not "t=<unix>,v1=<hex>".
	ErrMalformedSignature = errors.New("webhook: malformed signature header")
	// ErrInvalidSignature: no v1 signature matches the body and timestamp.
	ErrInvalidSignature = errors.New("webhook: invalid signature")
	// ErrTimestampOutOfRange: the signed timestamp is too old or too far ahead (replay).
	ErrTimestampOutOfRange = errors.New("webhook: timestamp out of tolerance")
	// ErrInvalidConfig: a bad URL or an empty secret.
	ErrInvalidConfig = errors.New("webhook: invalid configuration")
	// ErrClosed: the Notifier was closed.
	ErrClosed = errors.New("webhook: notifier closed")
)
