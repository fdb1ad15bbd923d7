// Package api is the HTTP API of the signalling server: rooms, participants, data
// messages, the lobby, scheduled meetings for calendar plugins, recordings (started
// and stopped through a recording/jobs Runner, read from the store; record workers
// claim and report theirs), and the guest-join endpoint the browser app uses.
//
// New returns an http.Handler for everything under /api/; the server mounts it:
//
//	mux.Handle("/api/", api.New(api.Deps{Engine: engine, Store: st, Verifier: v, Keys: keys, ...}))
//
// Requests under /api/v1 carry "Authorization: Bearer <JWT>" signed by an API key;
// each route needs one grant (room_create, room_list or room_admin; see routes.go); the
// recording routes take the record grant for the room, or room_admin.
// Routes under /api/host are a signed-in host's (Deps.Sessions, package oidcauth):
// the session cookie or an add-in session token, never an API key; they list,
// create, change and cancel that host's own meetings, whose rooms the host owns (the
// owner's guest join gets a room admin's token).
// Bodies are JSON, at most 64 KiB, unknown fields refused. Every error is an RFC 9457
// problem document (application/problem+json) with a machine-readable "code" and,
// for bad input, "errors": [{"field", "message"}]. Nothing is half-created: a request
// that fails leaves the store and the rooms as they were.
//
// Rooms live in two places: the store (durable records created through the API) and
// the sfu engine (live rooms, which exist while someone is in them). The API shows
// both: a stored room nobody is in has num_participants 0 and active false; a live
// room joined with a token but never created through the API is listed too.
//
// The whole API is described by openapi.json (OpenAPI 3.1), served at
// /api/v1/openapi.json; a test keeps it and the route table in step.
//
// The bodies the Go client shares with the handlers are in package apiwire; the
// client and the `ensemble room` command are in package apiclient, apart, so that a
// client of the server does not link the media engine the handlers drive.
package api
