package levelstamp

import (
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// Stamper is the interceptor factory. Level holds the level to write, in the
// wire's units: 0 is the loudest, 127 silence.
type Stamper struct{ Level *atomic.Uint32 }

// NewInterceptor implements interceptor.Factory.
func (s Stamper) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &stamp{level: s.Level}, nil
}

type stamp struct {
	interceptor.NoOp
	level *atomic.Uint32
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
		if ext, err := (rtp.AudioLevelExtension{Level: level, Voice: level < 127}).Marshal(); err == nil {
			_ = h.SetExtension(id, ext)
		}
		return w.Write(h, payload, a)
	})
}
