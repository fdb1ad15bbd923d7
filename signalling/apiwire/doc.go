// Package apiwire holds the JSON bodies of the HTTP API (package api) that its Go
// client (package apiclient) sends and reads: rooms, participants, meetings, nodes,
// SIP calls, recordings and the record workers' claims, leases and reports, and
// the RFC 9457 problem document every error is.
//
// It exists so that a client of the server need not link the server: the
// handlers in package api drive the media engine (sfu), and a program that only
// calls the API (the record worker, the `ensemble room` command, tests of other
// packages) would otherwise link the whole media plane to name a request body.
// The handlers and the client both import this package; it imports neither, and
// nothing under sfu/ (internal/importrules holds it to that).
//
// A body moves here when the Go client needs it; bodies only the browser app or
// the handlers use (guest join, host meetings, participant updates, data
// messages, the lobby) stay beside their handlers in package api.
package apiwire
