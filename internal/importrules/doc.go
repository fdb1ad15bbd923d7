// Package importrules holds the import rules of Ensemble as a test, so that a wrong
// arrow between packages fails CI instead of waiting for a reviewer:
//
//   - vocab, the shared vocabulary, imports only the standard library;
//   - sfu (the media plane) never imports signalling/...: it knows no wire protocol;
//   - the clients of the server (signalling/client, loadtest, recording/, sip/) never
//     depend on sfu, directly or through anything, so a client binary does not link
//     the media plane;
//   - the binary (cmd/...) never links the OpenID provider the tests start
//     (internal/oidctest, github.com/zitadel/...).
//
// The rules read the real import graph from `go list -deps -json`. A rule about a
// package that does not exist yet (recording/, sip/) holds trivially until it does.
package importrules
