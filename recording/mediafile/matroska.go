package mediafile

import (
	"errors"
	"fmt"
	"time"

	"github.com/at-wat/ebml-go/mkvcore"
	"github.com/at-wat/ebml-go/webm"
)

// cuesReserve is the space kept at the front of a file for its seek index
// (ebml-go thins the index out when a long file needs more).
const cuesReserve = 8192

// matroskaWriter writes one video track to WebM or Matroska with ebml-go's
// block writer: a SeekHead, Cues and the segment's Duration are filled in when
// it closes, so players can seek and ffprobe reads the duration from the header.
type matroskaWriter struct {
	mime   string
	file   *syncedFile
	block  webm.BlockWriteCloser
	last   time.Duration
	end    time.Duration
	frames int
	closed bool
}

func createMatroska(path string, t Track, c Container) (*matroskaWriter, error) {
	f, err := createFile(path)
	if err != nil {
		return nil, err
	}
	docType := "webm"
	if c == Matroska {
		docType = "matroska"
	}
	header := *webm.DefaultEBMLHeader
	header.DocType = docType
	entry := webm.TrackEntry{
		Name:        t.Name,
		TrackNumber: 1,
		TrackUID:    1,
		CodecID:     matroskaCodecID(t.MimeType),
		TrackType:   1, // video
		Video:       &webm.Video{PixelWidth: uint64(max(t.Width, 0)), PixelHeight: uint64(max(t.Height, 0))},
	}
	ws, err := webm.NewSimpleBlockWriter(f, []webm.TrackEntry{entry},
		mkvcore.WithEBMLHeader(&header),
		mkvcore.WithSegmentInfo(&webm.Info{TimecodeScale: 1000000, MuxingApp: "ensemble", WritingApp: "ensemble recorder"}),
		mkvcore.WithSeekHead(true),
		mkvcore.WithCues(cuesReserve),
		// One track: nothing to interleave, so no sorter holding blocks back.
		mkvcore.WithBlockInterceptor(nil),
		// A cluster per key frame, at most 5 s: a new cluster every 32 s at the
		// latest is what Matroska's 16-bit block time offsets need.
		mkvcore.WithMinMaxClusterDuration(1, 0, 5000),
	)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("mediafile: %s: %w", path, err), f.File.Close())
	}
	return &matroskaWriter{mime: t.MimeType, file: f, block: ws[0]}, nil
}

func (m *matroskaWriter) WriteFrame(frame []byte, pos time.Duration) error {
	if m.closed {
		return ErrClosed
	}
	if m.frames > 0 && pos < m.last {
		return fmt.Errorf("%w: %v after %v", ErrBackwards, pos, m.last)
	}
	// Blocks are timed in whole milliseconds and players want them strictly
	// increasing: a frame that would share its millisecond with the previous
	// one moves to the next.
	if m.frames > 0 && pos.Truncate(time.Millisecond) <= m.last.Truncate(time.Millisecond) {
		pos = m.last.Truncate(time.Millisecond) + time.Millisecond
	}
	if _, err := m.block.Write(IsKeyframe(m.mime, frame), pos.Milliseconds(), frame); err != nil {
		return fmt.Errorf("mediafile: write %s: %w", m.file.Name(), err)
	}
	// A video frame lasts until the next; the last one is given the previous
	// frame's interval, as a player shows it.
	step := pos - m.last
	if m.frames == 0 || step <= 0 || step > time.Second {
		step = 33 * time.Millisecond
	}
	m.last, m.end = pos, pos+step
	m.frames++
	return nil
}

func (m *matroskaWriter) Duration() time.Duration { return m.end }

func (m *matroskaWriter) Size() int64 { return m.file.size }

// Close writes the Cues and Duration and closes (and syncs) the file.
func (m *matroskaWriter) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	if err := m.block.Close(); err != nil {
		return fmt.Errorf("mediafile: close %s: %w", m.file.Name(), err)
	}
	return nil
}
