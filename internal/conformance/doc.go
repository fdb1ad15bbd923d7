// Package conformance drives Ensemble with a WebRTC stack that is neither Pion
// nor Chromium: Debian's aiortc (python3-aiortc), through clients written from
// signalling/PROTOCOL.md and RFC 9725 alone (aiortc/*.py; aiortc/README.md says
// what the document had to answer). Its tests start a real server and run the
// clients as processes: two participants exchanging audio and video, with and
// without REMB; a WHEP player watching a Go client. The WHIP publisher's test
// (an aiortc encoder reaching a browser page) lives with the browser harness in
// package web.
//
// Python returns the interpreter that has aiortc, or skips the test (outside CI)
// or fails it (CI=true); Run starts a script and Result reads the JSON line it
// prints last.
package conformance
