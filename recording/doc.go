// Package recording records a room from its media: a Recorder joins the room
// through package signalling/client as a hidden participant that only
// subscribes, receives every track (the top simulcast layer of each video) and
// writes each track to its own file without transcoding (package mediafile:
// Opus to Ogg, VP8/VP9 to WebM, H.264/AV1 to Matroska), then a manifest.json
// that lists the files on the recording's time line.
//
//	rec, err := recording.Start(ctx, recording.Config{URL: url, Token: token, Dir: dir})
//	...
//	m, err := rec.Stop(ctx) // files closed and synced, manifest.json written
//
// Time line. The recording starts when the Recorder joined (Manifest.StartedAt).
// Each file has a start offset on that time line, from sender reports: the
// RTCP sender report of the track maps the RTP timestamp of the file's first
// frame to the sender's clock (RemoteTrack.SenderReport; the server's clock,
// onto which it maps the publisher's own reports), and one clock offset per
// participant (the smallest arrival-minus-NTP of its reports, the report that
// travelled fastest) brings that clock onto the recorder's. Audio and video of
// one participant share the offset, so their sync is the publisher's. Without
// a report, or when the report's answer cannot be true (the frame would have
// arrived before it was sent, or more than a second after), the first packet's
// arrival is used; File.Sync says which.
//
// Inside a file, frames are placed by their RTP timestamps, and by the time
// that passed across a break: when the timestamps stopped following the clock
// (a Go publisher's timestamps stand still while it is muted) the frames arrive
// later than their timestamps say, for good. Each frame's lag (arrival minus
// timestamp) is judged by the smallest lag of the second of frames after it,
// so a reader that stalled and then read its backlog at once moves nothing.
// Breaks under 400 ms are closed up. While a publisher's network is cut its
// timestamps go on, so its gap is kept by the timestamps alone. The other way
// round, timestamps that advance more than 400 ms beyond the time that passed
// (the lag falls below the previous frame's and the run's; seen after a
// simulcast switch that followed a publisher's resume) are closed up: a file
// holds no time that did not pass. Timestamps that step back more than 400 ms
// are a new time base: the frames go on from the last. Whatever happens, each
// frame lies at least its timestamp step (one frame interval across a jump, or
// for a frame whose timestamp does not advance) after the previous one: two
// frames at one position made files in which ffmpeg, reading at the stream's
// frame rate, saw the same DTS twice.
//
// Gaps look like this: in Ogg (which has no timestamps, only a count of
// samples) silent Opus frames fill them, so every player keeps the time line;
// in WebM and Matroska there are simply no blocks, and the last picture stays.
//
// Loss. Packets are reordered and assembled into frames by Pion's sample
// builder; a packet of a frame already out (a retransmission after its
// original) is refused before it. When a video frame is lost, the track asks for a key frame
// (RequestKeyframe) and drops frames until it arrives, so that no frame that
// refers to a missing one is written. Lost audio becomes silence.
//
// Files. One file per track run: a track's file ends when the track ends (the
// publisher unpublished or left; a publisher that reconnects as a new
// participant publishes new tracks, so new files), and a new file is started
// when the picture size of a VP8 track changes at a key frame (a simulcast
// switch that a WebM header cannot describe; Galène's recorder does the same).
// A publisher that resumes its session keeps its tracks: the same files go on,
// with a gap. Simulcast switches that keep the size continue the file: the SFU
// rewrites them into one continuous stream.
//
// Composition: with Config.Layout, Stop also composes the files with ffmpeg
// (package compose): composite.mp4 (H.264 + AAC, videos in a grid, or, with
// LayoutSpeaker, the active speaker large above a strip of every camera;
// audio mixed) or, audio only, composite.ogg. The speaker is decided from the
// recorded microphones' levels, decoded from the Ogg files. A missing ffmpeg is reported in Stop's
// error (compose.ErrNoFFmpeg) and in Manifest.CompositeError; the per-track
// files and the manifest are written all the same.
//
// Tokens: the Recorder's token needs the join, subscribe and hidden grants
// (TokenParams). Package auth has no participant kind in tokens yet; when it
// has, the recorder's tokens should say vocab.ParticipantRecorder.
package recording
