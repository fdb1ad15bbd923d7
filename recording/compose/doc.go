// Package compose turns the per-track files of a recording into one file with
// Debian's ffmpeg, run as an external process: an MP4 (H.264 and AAC) with
// every video in a grid and all audio mixed, or, audio only, one mixed Ogg
// Opus. Each input sits at its start offset on the recording's time line;
// where no video of a tile runs, the tile is black.
//
//	err := compose.Run(ctx, compose.Job{Inputs: in, Length: 12 * time.Second, Output: dir + "/composite.mp4"})
//	if errors.Is(err, compose.ErrNoFFmpeg) { ... } // not installed: say so
//
// It transcodes (a composite cannot be made otherwise); the per-track files it
// reads stay as they were received.
package compose
