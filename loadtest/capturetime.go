package loadtest

import (
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// AbsCaptureTimeURI names the abs-capture-time RTP header extension, which carries the
// sender's wall-clock capture time of a packet's frame. The SFU forwards it unchanged,
// so a subscriber in the same process (same clock) reads the end-to-end delay from it.
const AbsCaptureTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"

// CaptureTimeStamper is an interceptor factory that stamps every outgoing RTP packet
// of a publisher with abs-capture-time = now, when the extension was negotiated.
type CaptureTimeStamper struct{}

// NewInterceptor implements interceptor.Factory.
func (CaptureTimeStamper) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &captureTimeInterceptor{}, nil
}

type captureTimeInterceptor struct{ interceptor.NoOp }

// BindLocalStream wraps the writer of a stream that negotiated abs-capture-time.
func (*captureTimeInterceptor) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	id := extensionID(info.RTPHeaderExtensions, AbsCaptureTimeURI)
	if id == 0 {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		// The load generator may allocate per packet: it measures the server, not itself.
		ext, err := rtp.NewAbsCaptureTimeExtension(time.Now()).Marshal()
		if err == nil {
			_ = h.SetExtension(id, ext) // a full header keeps its packet unstamped
		}
		return w.Write(h, payload, a)
	})
}

func extensionID(exts []interceptor.RTPHeaderExtension, uri string) uint8 {
	for _, e := range exts {
		if e.URI == uri && e.ID > 0 && e.ID < 256 {
			return uint8(e.ID)
		}
	}
	return 0
}

// captureTime reads abs-capture-time from a received packet; zero when absent.
func captureTime(h *rtp.Header, id uint8) time.Time {
	if id == 0 {
		return time.Time{}
	}
	raw := h.GetExtension(id)
	if raw == nil {
		return time.Time{}
	}
	var ext rtp.AbsCaptureTimeExtension
	if ext.Unmarshal(raw) != nil {
		return time.Time{}
	}
	return ext.CaptureTime()
}
