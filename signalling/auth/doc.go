// Package auth mints and verifies Ensemble room tokens.
//
// A room token is an HS256 JWT signed with the secret of an API key; the key's name is
// the token's issuer (iss). The token carries the participant's identity (sub), display
// name, metadata, room, validity window and Grants — what the holder may do: join,
// publish (optionally limited to some sources), subscribe, publish data, stay hidden,
// update its metadata, enter a room's lobby without knocking (skip_lobby), and, for
// API clients, room_admin, room_create, room_list and record.
//
// Verify checks the token itself and refuses with an *Error whose Code is distinct for
// each cause (missing, malformed, algorithm other than HS256 — "none" included —,
// unknown key, bad signature, expired, not yet valid). A clock skew of Leeway (10 s) is
// tolerated on exp and nbf. Verify does not need an identity, a room or any grant,
// because API tokens have none of those; the caller checks what its action needs:
//
//	v := auth.NewVerifier(cfg.Keys)
//	claims, err := v.Verify(token)
//	if err == nil {
//		err = claims.CheckJoin(room) // identity, join grant, exactly this room
//	}
//	if err == nil && screenShare {
//		err = claims.CheckPublishSource("screen_share")
//	}
//	var ae *auth.Error
//	if errors.As(err, &ae) {
//		http.Error(w, ae.Error(), ae.HTTPStatus) // 401 bad credential, 403 not allowed
//	}
//
// A token without a room but with room_admin is a server-wide admin token: CheckRoom
// accepts it for any room, CheckJoin does not.
//
// Sign mints tokens (for `ensemble token`, tests and the guest-join endpoint); the CLI
// itself lives in internal/config/tokencmd because it reads the server configuration.
package auth
