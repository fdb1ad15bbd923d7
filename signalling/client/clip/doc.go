// Package clip reads small encoded media files into memory and plays them back as
// an endless stream of samples: VP8/VP9/AV1 in IVF, H.264 in Annex-B, Opus in Ogg.
//
// A Clip is parsed once and is immutable, so many players (one per simulcast layer,
// one per simulated participant in a load test) share it. A Loop walks a clip
// forever; each sample carries its duration, so a track fed with WriteSample keeps
// RTP timestamps running smoothly across the wrap-around.
//
//	c, err := clip.ParseIVF(clips.VP8Medium)
//	if err != nil { ... }
//	loop := c.Loop()
//	for {
//		s := loop.Next()
//		_ = track.WriteSample(media.Sample{Data: s.Data, Duration: s.Duration})
//		time.Sleep(s.Duration) // or a ticker
//	}
//
// clienttest.PlayClip does this with a ticker and restarts at the first keyframe when
// the receiver asks for one.
package clip
