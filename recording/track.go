package recording

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/mediafile"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

const (
	// ringSize bounds how far apart (in sequence numbers) the first packet of
	// a frame and the newest packet may be while the frame is assembled.
	ringSize = 4096
	// keyframeRetry is how often a track waiting for a key frame asks again.
	keyframeRetry = 500 * time.Millisecond
	// maxLateVideo and maxLateAudio are the sample builder's reorder windows,
	// in packets: long enough for a retransmission, short enough to bound
	// memory (a 720p key frame is about 50 packets).
	maxLateVideo = 512
	maxLateAudio = 64
	// maxDelay bounds the wait for a missing packet in time.
	maxDelay = time.Second
)

// trackWriter records one received track: it assembles frames, places them on
// the time line and writes them, one file per run (see the package doc). It is
// owned by the goroutine that reads the track.
type trackWriter struct {
	rt       *client.RemoteTrack
	dir      string
	log      *slog.Logger
	start    time.Time // the recording's
	clocks   *clockOffsets
	identity string
	mime     string
	kind     vocab.Kind
	source   vocab.Source
	clock    uint32

	frames     *assembler
	lastSR     time.Time     // arrival of the last sender report seen
	placed     []placedFrame // reused
	waitingKey bool
	lastKeyReq time.Time
	// h264 is the stream's parameter sets, for H.264 only: its IDR frames
	// start a file only with them.
	h264 *mediafile.H264ParameterSets

	cur   *openFile
	runs  int
	files []recordedFile
}

// openFile is the file being written and what is needed to place it.
type openFile struct {
	w       mediafile.Writer
	at      timeline
	firstTS uint32
	recordedFile
}

// recordedFile is a file and what its start offset is computed from once the
// recording ends (when the participant's clock offset is best known).
type recordedFile struct {
	entry        File
	firstArrival time.Time
	senderStart  time.Time // on the sender report's clock; zero without a report
}

func newTrackWriter(rt *client.RemoteTrack, dir string, start time.Time, clocks *clockOffsets, log *slog.Logger) (*trackWriter, error) {
	codec := rt.Codec()
	if _, err := mediafile.ContainerFor(codec.MimeType); err != nil {
		return nil, err
	}
	info := rt.Info()
	identity := rt.ParticipantSID
	if p, ok := rt.Participant(); ok {
		identity = p.Identity
	}
	t := &trackWriter{
		rt: rt, dir: dir, start: start, clocks: clocks, identity: identity,
		mime: codec.MimeType, kind: rt.Kind(), source: info.Source, clock: codec.ClockRate,
		waitingKey: rt.Kind() == vocab.KindVideo,
		log:        log.With("track", rt.TrackSID, "participant", rt.ParticipantSID, "codec", codec.MimeType),
	}
	if strings.EqualFold(codec.MimeType, webrtc.MimeTypeH264) {
		t.h264 = &mediafile.H264ParameterSets{}
	}
	maxLate := uint16(maxLateVideo)
	if t.kind == vocab.KindAudio {
		maxLate = maxLateAudio
	}
	t.frames = newAssembler(depacketizer(codec.MimeType), t.clock, maxLate, t.kind == vocab.KindVideo)
	return t, nil
}

func depacketizer(mime string) rtp.Depacketizer {
	switch strings.ToLower(mime) {
	case strings.ToLower(webrtc.MimeTypeVP8):
		return &codecs.VP8Packet{}
	case strings.ToLower(webrtc.MimeTypeVP9):
		return &codecs.VP9Packet{}
	case strings.ToLower(webrtc.MimeTypeH264):
		return &codecs.H264Packet{}
	case strings.ToLower(webrtc.MimeTypeAV1):
		return &codecs.AV1Depacketizer{}
	}
	return &codecs.OpusPacket{}
}

// run reads the track until it ends, then closes the last file. It returns the
// files written.
func (t *trackWriter) run() []recordedFile {
	if t.kind == vocab.KindVideo {
		t.requestKeyframe(time.Now())
	}
	for {
		p, err := t.rt.ReadPacket()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.log.Debug("recording: track ended", "error", err)
			}
			break
		}
		if t.rt.IsTelephoneEvent(p.Packet) {
			continue
		}
		t.frames.push(p.Packet, p.Arrival)
		t.drain()
	}
	t.frames.flush()
	t.drain()
	t.closeFile()
	if t.frames.late > 0 {
		t.log.Debug("recording: late packets refused", "packets", t.frames.late)
	}
	if t.frames.truncated > 0 {
		t.log.Debug("recording: frames without their last packet dropped", "frames", t.frames.truncated)
	}
	return t.files
}

func (t *trackWriter) drain() {
	for f, ok := t.frames.pop(); ok; f, ok = t.frames.pop() {
		if err := t.frame(f); err != nil {
			t.log.Warn("recording: frame not written", "error", err)
		}
	}
}

// frame handles one assembled frame.
func (t *trackWriter) frame(s assembled) error {
	first := s.RTPHeaders[0].SequenceNumber
	arrival := s.arrival
	if t.kind == vocab.KindVideo {
		var key bool
		if t.h264 != nil {
			s.Data, key = t.h264.StartFrame(s.Data)
		} else {
			key = mediafile.IsKeyframe(t.mime, s.Data)
		}
		if s.lost && !key && !t.waitingKey {
			t.waitingKey = true
			t.log.Debug("recording: frame lost, waiting for a key frame", "seq", first)
		}
		if t.waitingKey && !key {
			t.requestKeyframe(arrival)
			return nil
		}
		t.waitingKey = false
		if key && t.cur != nil && t.sizeChanged(s.Data) {
			t.closeFile()
		}
	}
	if t.cur == nil {
		if err := t.openFile(s, arrival); err != nil {
			return err
		}
	}
	t.syncStart()
	t.placed = t.cur.at.push(frame{data: s.Data, ts: s.PacketTimestamp, arrival: arrival}, t.placed[:0])
	return t.write(t.cur, t.placed)
}

func (t *trackWriter) write(f *openFile, frames []placedFrame) error {
	for _, p := range frames {
		if err := f.w.WriteFrame(p.data, p.pos); err != nil {
			return err
		}
	}
	return nil
}

func (t *trackWriter) requestKeyframe(now time.Time) {
	if now.Sub(t.lastKeyReq) < keyframeRetry {
		return
	}
	t.lastKeyReq = now
	if err := t.rt.RequestKeyframe(); err != nil {
		t.log.Debug("recording: keyframe request", "error", err)
	}
}

// sizeChanged reports whether a VP8 key frame's size differs from the file's.
// Other codecs keep their file: their size is not read here, and their
// decoders follow a change in band.
func (t *trackWriter) sizeChanged(key []byte) bool {
	w, h, ok := mediafile.VP8Size(key)
	return ok && (w != t.cur.entry.Width || h != t.cur.entry.Height)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func (t *trackWriter) openFile(first assembled, arrival time.Time) error {
	info := t.rt.Info()
	width, height := info.Width, info.Height
	if w, h, ok := mediafile.VP8Size(first.Data); ok {
		width, height = w, h
	}
	if t.kind == vocab.KindAudio {
		width, height = 0, 0
	}
	c, _ := mediafile.ContainerFor(t.mime)
	t.runs++
	name := fmt.Sprintf("%s-%s-%s-%d.%s", unsafeName.ReplaceAllString(t.identity, "_"),
		t.source, t.rt.TrackSID, t.runs, c)
	codec := t.rt.Codec()
	w, err := mediafile.Create(filepath.Join(t.dir, name), mediafile.Track{
		MimeType: t.mime, ClockRate: codec.ClockRate, Channels: codec.Channels,
		Width: width, Height: height, Name: string(t.source),
	})
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	t.cur = &openFile{
		w: w, at: timeline{clockRate: t.clock}, firstTS: first.PacketTimestamp,
		recordedFile: recordedFile{firstArrival: arrival, entry: File{
			Path: name, Kind: t.kind, ParticipantIdentity: t.identity, ParticipantSID: t.rt.ParticipantSID,
			TrackSID: t.rt.TrackSID, Source: t.source, Codec: t.mime, Width: width, Height: height,
		}},
	}
	t.log.Info("recording: file started", "path", name)
	return nil
}

// syncStart notes the sender-clock time of the file's first frame from the
// first sender report that arrives with or after it (an older one may predate
// a break), and feeds every report to the participant's clock offset.
func (t *trackWriter) syncStart() {
	sr, ok := t.rt.SenderReport()
	if !ok || sr.ClockRate == 0 || sr.Arrival.Equal(t.lastSR) {
		return
	}
	t.lastSR = sr.Arrival
	t.clocks.observe(t.rt.ParticipantSID, sr.NTPTime, sr.Arrival)
	if f := t.cur; f.senderStart.IsZero() && !sr.Arrival.Before(f.firstArrival.Add(-reportBefore)) {
		f.senderStart = sr.Time(f.firstTS)
	}
}

// reportBefore is how long before a file's first frame a sender report may
// have arrived and still be used for it: two report intervals, so that a file
// that begins (at a simulcast switch) just after a report and ends before the
// next still gets one. The check in place catches a report that a break made
// wrong by more than a second.
const reportBefore = 2 * time.Second

func (t *trackWriter) closeFile() {
	f := t.cur
	if f == nil {
		return
	}
	t.cur = nil
	if err := t.write(f, f.at.flush(t.placed[:0])); err != nil {
		t.log.Warn("recording: frame not written", "error", err)
	}
	if err := f.w.Close(); err != nil {
		t.log.Error("recording: file not closed", "path", f.entry.Path, "error", err)
	}
	f.entry.Duration = f.w.Duration()
	f.entry.Bytes = f.w.Size()
	t.log.Debug("recording: file closed", "path", f.entry.Path, "duration", f.entry.Duration, "breaks", f.at.shift)
	t.files = append(t.files, f.recordedFile)
}
