//go:build sipcodecs

package codec

// Built reports whether this binary has the Opus and G.722 coders (libopus and
// spandsp through cgo, build tag sipcodecs).
const Built = true
