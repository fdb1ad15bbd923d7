// Package server is the signalling server of Ensemble: it admits clients at /rtc
// (token checked before the WebSocket upgrade), speaks the JSON protocol of package
// signalling/protocol with them, and turns their requests into calls on the sfu's
// participants and the sfu's events into messages. It also serves /healthz, /readyz
// (with the details other parts add, SetReadyDetail: the SIP bridge's registration)
// and /metrics, and lets the rest of the product mount its handlers (the HTTP room
// API under /api/, the browser app at /).
//
// Composition (cmd/ensemble/serve.go does this):
//
//	engine, _ := sfu.NewEngine(ctx, sfu.Config{...})
//	lob := lobby.New(lobby.Config{Logger: log})
//	srv, _ := server.New(server.Config{Engine: engine, Verifier: auth.NewVerifier(keys),
//		Store: st, Lobby: lob}) // room records (cap, metadata, lobby) and the waiting room
//	srv.Mount("/api/", apiHandler)
//	srv.Mount("/", webHandler)
//	httpServer := &http.Server{Handler: srv.Handler()}
//	...
//	srv.Drain(ctx)   // on SIGTERM: readyz false, joins refused, clients told, rooms emptied
//	srv.Close()
//	engine.Close()
//	lob.Close()
//
// With a Store, a join looks the room's record up first: the record's
// max_participants caps the live room (403 room_full), a live room starts with the
// record's metadata, and when the record has its lobby on, a joiner without the
// room_admin or hidden grant is upgraded at once, told lobby_waiting and held in the
// Lobby until a room admin decides (lobby.go). Room admins' sessions subscribe to
// their room's lobby and hear lobby_knock / lobby_left.
//
// Each WebSocket is a conn with one reading goroutine (which also processes the
// requests, in order) and one writing goroutine fed by a bounded queue; the sfu's
// events enter that queue without blocking. A participant (peer) outlives its conn
// for a grace period so that a client whose network dropped can resume.
//
// Package servertest starts a real engine and server for tests of other packages.
package server
