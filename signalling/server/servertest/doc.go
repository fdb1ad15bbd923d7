// Package servertest starts a real Ensemble server for tests: a real sfu.Engine
// (UDP and ICE-TCP on free ports of 127.0.0.1) behind the real signalling server,
// served over HTTP on a free port of 127.0.0.1. Everything is closed by t.Cleanup,
// and every goroutine of the engine and the server has ended when it returns.
//
//	srv := servertest.Start(t, servertest.WithResumeGrace(500*time.Millisecond))
//	tok := srv.Token("room1", "alice")                    // default participant grants
//	sub := srv.Token("room1", "rec", "join", "subscribe", "hidden")
//	ws, _, err := websocket.Dial(ctx, srv.WSURL+"?access_token="+tok, nil)
//
// Fields: URL (http://127.0.0.1:port, for /api/ and /), WSURL (ws://127.0.0.1:port/rtc),
// APIKey and APISecret (the only key the server accepts), Engine and Signalling.
// Other packages mount their handlers with WithHandler, which receives the started
// Server so the handler can use its Engine and keys:
//
//	srv := servertest.Start(t, servertest.WithHandler("/api/", func(s *servertest.Server) http.Handler {
//		return api.New(api.Deps{Engine: s.Engine, Store: st, Verifier: s.Verifier, Keys: s.Keys()})
//	}), servertest.WithHandler("/", func(*servertest.Server) http.Handler { return web.Handler() }))
//
// (servertest itself imports neither the API nor the web app, so that their own
// tests can use it without an import cycle.)
//
// Logs are discarded unless ENSEMBLE_TEST_LOG is set (to debug, info, warn or error),
// in which case they go to stderr at that level.
package servertest
