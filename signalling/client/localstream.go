package client

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// rtpMTU bounds the packets cut from samples, leaving room for SRTP and header
// extensions under a 1500-byte path MTU.
const rtpMTU = 1200

// localStream is one RTP stream of a LocalTrack (the track, or one simulcast
// layer): a webrtc.TrackLocal that sends the caller's RTP packets, or packets cut
// from samples, under the payload type the connection negotiated for the track's
// codec, and telephone events under theirs. Pion's static tracks set one payload
// type on every packet, which leaves no way to send DTMF beside the audio.
type localStream struct {
	codec             codec
	id, streamID, rid string

	mu        sync.Mutex
	bound     *streamBinding // nil until negotiated, and after the sender stops
	remainder float64        // sample ticks not yet given to the packetizer
}

type streamBinding struct {
	ssrc       uint32
	pt         uint8
	eventPT    int // -1: telephone-event not negotiated
	writer     webrtc.TrackLocalWriter
	packetizer rtp.Packetizer // nil for codecs without a payloader
}

var _ webrtc.TrackLocal = (*localStream)(nil)

func (s *localStream) ID() string                { return s.id }
func (s *localStream) StreamID() string          { return s.streamID }
func (s *localStream) RID() string               { return s.rid }
func (s *localStream) Kind() webrtc.RTPCodecType { return s.codec.kind }

// Bind is called by Pion once the publisher connection negotiated the stream.
func (s *localStream) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	b := &streamBinding{ssrc: uint32(ctx.SSRC()), eventPT: -1, writer: ctx.WriteStream()}
	var chosen *webrtc.RTPCodecParameters
	for _, c := range ctx.CodecParameters() {
		switch {
		case chosen == nil && strings.EqualFold(c.MimeType, s.codec.MimeType) && sameProfile(c.SDPFmtpLine, s.codec.SDPFmtpLine):
			chosen = &c
		case strings.EqualFold(c.MimeType, MimeTypeTelephoneEvent) && c.ClockRate == s.codec.ClockRate:
			b.eventPT = int(c.PayloadType)
		}
	}
	if chosen == nil {
		return webrtc.RTPCodecParameters{}, fmt.Errorf("%w: the server did not accept %s", webrtc.ErrUnsupportedCodec, s.codec.MimeType)
	}
	b.pt = uint8(chosen.PayloadType)
	if p := payloaderFor(chosen.MimeType); p != nil {
		b.packetizer = rtp.NewPacketizer(rtpMTU, b.pt, b.ssrc, p, rtp.NewRandomSequencer(), chosen.ClockRate)
	}
	s.mu.Lock()
	s.bound = b
	s.mu.Unlock()
	return *chosen, nil
}

// Unbind is called by Pion when the sender stops. After a rejoin the stream is
// bound to the new connection's sender: the old one's late Unbind leaves it be.
func (s *localStream) Unbind(ctx webrtc.TrackLocalContext) error {
	s.mu.Lock()
	if s.bound != nil && s.bound.ssrc == uint32(ctx.SSRC()) {
		s.bound = nil
	}
	s.mu.Unlock()
	return nil
}

// lostBinding tells a write error of binding b that comes from its sender
// stopping (unpublished, or its connection closed for a rejoin): the packet is
// dropped, as a network would, rather than failing the writer.
func (s *localStream) lostBinding(b *streamBinding) bool { return s.binding() != b }

func (s *localStream) binding() *streamBinding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bound
}

// writeRTP sends p with the stream's SSRC and the payload type pt (-1: the
// codec's). Before negotiation the packet is dropped, as a network would.
func (s *localStream) writeRTP(p *rtp.Packet, event bool) error {
	b := s.binding()
	if b == nil {
		return nil
	}
	h := p.Header
	h.SSRC = b.ssrc
	h.PayloadType = b.pt
	if event {
		if b.eventPT < 0 {
			return ErrNoTelephoneEvent
		}
		h.PayloadType = uint8(b.eventPT)
	}
	if _, err := b.writer.WriteRTP(&h, p.Payload); err != nil && !s.lostBinding(b) {
		return err
	}
	return nil
}

// writeSample cuts one encoded frame into packets and sends them.
func (s *localStream) writeSample(sample media.Sample) error {
	s.mu.Lock()
	b := s.bound
	if b == nil {
		s.mu.Unlock()
		return nil
	}
	if b.packetizer == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s takes RTP only", ErrInvalidOptions, s.codec.MimeType)
	}
	ticks := sample.Duration.Seconds()*float64(s.codec.ClockRate) + s.remainder
	whole := uint32(ticks)
	s.remainder = ticks - float64(whole)
	pkts := b.packetizer.Packetize(sample.Data, whole)
	s.mu.Unlock()
	for _, p := range pkts {
		if _, err := b.writer.WriteRTP(&p.Header, p.Payload); err != nil {
			if s.lostBinding(b) {
				return nil
			}
			return err
		}
	}
	return nil
}
