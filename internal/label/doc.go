// Package label holds the one rule for the short texts people give the server and
// others see: display names, track names, meeting titles, data topics, and, with a
// looser rule, metadata. The HTTP API and the WebSocket protocol both apply it, so a
// name refused on one is refused on the other.
//
// A label is valid UTF-8, within its length, and holds no control characters (NUL,
// CR, LF, ESC… that break logs and layouts), no Unicode line or paragraph separators,
// and no bidirectional embedding, override or isolate characters (U+202A–U+202E,
// U+2066–U+2069: a U+202E in a name displays "evil\u202Egnp.exe" as "evilexe.png").
// Right-to-left names need none of these: their letters carry their direction.
package label
