package client

import (
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// streamIDs writes the MID and RID header extensions on outgoing RTP. Pion leaves
// that to the application, yet a simulcast receiver (our SFU, a browser) can only
// tell the layers apart by them: SSRCs of simulcast layers are not in the SDP.
type streamIDs struct {
	mu     sync.RWMutex
	bySSRC map[uint32]streamID
}

type streamID struct{ mid, rid string }

func newStreamIDs() *streamIDs { return &streamIDs{bySSRC: map[uint32]streamID{}} }

// learn records the MID and RIDs of every sender of pc; called once the local
// offer is set (MIDs are assigned) and before media can flow (the answer).
func (s *streamIDs) learn(pc *webrtc.PeerConnection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tr := range pc.GetTransceivers() {
		sender := tr.Sender()
		if sender == nil || tr.Mid() == "" {
			continue
		}
		for _, enc := range sender.GetParameters().Encodings {
			s.bySSRC[uint32(enc.SSRC)] = streamID{mid: tr.Mid(), rid: enc.RID}
		}
	}
}

func (s *streamIDs) lookup(ssrc uint32) (streamID, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.bySSRC[ssrc]
	return id, ok
}

// NewInterceptor implements interceptor.Factory.
func (s *streamIDs) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &streamIDWriter{ids: s}, nil
}

type streamIDWriter struct {
	interceptor.NoOp
	ids *streamIDs
}

// BindLocalStream wraps the writer of a stream whose MID/RID extensions were negotiated.
func (w *streamIDWriter) BindLocalStream(info *interceptor.StreamInfo, next interceptor.RTPWriter) interceptor.RTPWriter {
	var midExt, ridExt uint8
	for _, e := range info.RTPHeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midExt = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ridExt = uint8(e.ID)
		}
	}
	if midExt == 0 && ridExt == 0 {
		return next
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if id, ok := w.ids.lookup(h.SSRC); ok {
			if midExt != 0 && id.mid != "" {
				_ = h.SetExtension(midExt, []byte(id.mid))
			}
			if ridExt != 0 && id.rid != "" {
				_ = h.SetExtension(ridExt, []byte(id.rid))
			}
		}
		return next.Write(h, payload, a)
	})
}
