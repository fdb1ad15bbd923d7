// Package e2e holds the end-to-end tests of the core: real signalling server and
// SFU on 127.0.0.1 (signalling/server/servertest), real WebRTC over loopback, and
// participants made with signalling/client publishing the embedded clips
// (internal/clips). It has no non-test code.
//
// Run: go test -race ./internal/e2e/ (ENSEMBLE_TEST_LOG=debug shows server logs).
package e2e
