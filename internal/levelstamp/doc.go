// Package levelstamp is a Pion interceptor that writes a chosen RFC 6464 audio
// level on every audio packet a client sends, as a browser does from what its
// microphone measures. Clients that play recorded Opus without decoding it (the
// tests' Go clients) use it to speak or fall silent on cue, so that the room
// finds its active speaker; the SIP bridge sets it, before each frame it
// sends, to the level of the caller's decoded voice.
//
//	var level atomic.Uint32
//	level.Store(127)                     // silence
//	reg.Add(levelstamp.Stamper{Level: &level})
//	...
//	level.Store(20)                      // speaking
//
// The client's media engine must offer the audio level extension
// (sdp.AudioLevelURI): without it the interceptor writes nothing.
package levelstamp
