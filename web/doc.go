// Package web serves Ensemble's browser meeting app: one HTML page, plain JavaScript
// ES modules and CSS, embedded in the binary, with no build step and no framework.
//
// The signalling server mounts Handler at "/". A meeting lives at /<room>; the page
// itself is served for "/" (the home page, where one picks or creates a room) and
// for every valid room path. The assets live under /static/<version>/, where version
// is a hash of the embedded files, so that they can be cached for a year: a new
// build gets a new prefix. Every response carries a strict Content-Security-Policy
// (no inline scripts or styles, connections to the same origin only).
//
//	mux := http.NewServeMux()
//	mux.Handle("/rtc", signallingHandler)
//	mux.Handle("/", web.Handler())
//
// The app's JavaScript lives in app/js: signalling.js (the WebSocket protocol
// client, usable alone), session.js (the two peer connections, publishing and
// subscribing, the lobby, dynacast and the layers the server sends), ui/*.js (one
// module per part of the screen) and app.js (the glue).
// For tests the page exposes its state as window.__ensemble.
package web
