// Package apiclient is the Go client of the HTTP API (package api) and the
// `ensemble room` command built on it (RunCLI).
//
// Client calls one server with a bearer token; errors the server answers are
// *apiwire.Problem. The record worker (recording/worker), cmd/ensemble and the
// tests of other packages use it.
//
// It lives apart from the handlers because they drive the media engine (sfu):
// a program that only calls the API should not link the media plane. It imports
// neither package api nor anything under sfu/ (internal/importrules holds it to
// that); the bodies it shares with the handlers are in package apiwire.
package apiclient
