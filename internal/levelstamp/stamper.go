package levelstamp

import (
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// Stamper is the interceptor factory. Level holds the level to write, in the
// wire's units: 0 is the loudest, 127 silence. Voice, when set, holds the V
// bit (voice activity); without it every level but 127 is marked as voice.
type Stamper struct {
	Level *atomic.Uint32
	Voice *atomic.Bool
}

// NewInterceptor implements interceptor.Factory.
func (s Stamper) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &stamp{level: s.Level, voice: s.Voice}, nil
}

type stamp struct {
	interceptor.NoOp
	level *atomic.Uint32
	voice *atomic.Bool
}

// BindLocalStream stamps the stream's packets when it negotiated the audio
// level extension, and leaves them alone otherwise (video, or no extension).
func (s *stamp) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	var id uint8
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			id = uint8(e.ID)
		}
	}
	if id == 0 {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		level := uint8(s.level.Load())
		voice := level < 127
		if s.voice != nil {
			voice = s.voice.Load()
		}
		if ext, err := (rtp.AudioLevelExtension{Level: level, Voice: voice}).Marshal(); err == nil {
			_ = h.SetExtension(id, ext)
		}
		return w.Write(h, payload, a)
	})
}
