// Package tokencmd is the `ensemble token` command: it prints a room token signed with
// the same key configuration as `ensemble serve` (--dev, --config, ENSEMBLE_KEYS).
//
// It lives beside internal/config rather than in signalling/auth because it needs
// both, and config already imports auth. cmd/ensemble/token.go only forwards to Run,
// so the command is tested here, in-process.
package tokencmd
