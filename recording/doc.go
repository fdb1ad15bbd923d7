// Package recording records a room from its media: a Recorder joins the room
// through package signalling/client as a hidden participant that only
// subscribes, receives every track (the top simulcast layer of each video) and
// writes each track to its own file without transcoding (package mediafile:
// Opus to Ogg, VP8/VP9 to WebM, H.264/AV1 to Matroska), then a manifest.json
// that lists the files on the recording's time line.
//
//	rec, err := recording.Start(ctx, recording.Config{URL: url, Token: token, Dir: dir})
//	...
//	m, err := rec.Stop() // files closed and synced, manifest.json written
//
// Time line. The recording starts when the Recorder joined (Manifest.StartedAt).
// Each file has a start offset on that time line, from the sender's clock: the
// RTCP sender report of the track maps the RTP timestamp of the file's first
// frame to the publisher's wall clock (RemoteTrack.SenderReport), and one clock
// offset per participant (the first report's arrival minus its NTP time) brings
// that clock onto the recorder's. Audio and video of one participant share the
// offset, so their sync is the publisher's; before any report arrived, and for
// a file whose first frame is not bridged to a report by an unbroken run of
// packets, the first packet's arrival time is used (File.Sync says which).
//
// Inside a file, frames are placed by their RTP timestamps, and by the wall
// clock across a discontinuity: when packets stop for a while (a mute, a
// publisher that lost its network and resumed) and the timestamps did not
// advance with the time that passed, the next frame is placed at the time that
// passed. Gaps look like this: in Ogg (which has no timestamps, only a count of
// samples) silent Opus frames fill them; in WebM and Matroska there are simply
// no blocks, the last picture stays.
//
// Loss. Packets are reordered and assembled into frames by Pion's sample
// builder. When a video frame is lost, the track asks for a key frame
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
// Tokens: the Recorder's token needs the join, subscribe and hidden grants
// (TokenParams). Package auth has no participant kind in tokens yet; when it
// has, the recorder's tokens should say vocab.ParticipantRecorder.
package recording
