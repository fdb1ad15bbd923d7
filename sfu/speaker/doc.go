// Package speaker detects the active speakers of a room from the RFC 6464
// audio levels that publishers put in their audio packets.
//
// The media path feeds levels into a Source (one per participant) with
// Observe, a few atomic additions and no lock. The room calls Detector.Tick
// every few hundred milliseconds: each source's levels since the last tick
// become one loudness value, smoothed over ticks, and the participants above
// the activation threshold form the active speaker list, loudest first. Tick
// also says whether that list changed, so that updates go out only on change
// and at most once per tick.
//
//	d := speaker.NewDetector(speaker.Config{})
//	src := d.Source(participantSID)
//	// media path, per packet:
//	src.Observe(level, voice)
//	// room, every 300 ms:
//	if speakers, changed := d.Tick(time.Now()); changed {
//		broadcast(speakers)
//	}
//
// Tick takes the time explicitly, so tests drive it with synthetic sequences
// and no sleeping.
package speaker
