package twccext

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// ErrNilHeader is returned for a write without an RTP header.
var ErrNilHeader = errors.New("twccext: RTP header is nil")

// Factory makes one Interceptor per PeerConnection: the sequence is
// transport-wide, shared by every stream of the connection.
type Factory struct{}

// NewInterceptor implements interceptor.Factory.
func (Factory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &Interceptor{}, nil
}

// Interceptor numbers the outgoing packets of one PeerConnection.
type Interceptor struct {
	interceptor.NoOp

	// mu is held from numbering a packet until the layers below have
	// serialised it (SRTP copies the header out before Write returns), so one
	// 2-byte buffer serves every packet and the numbers are in send order.
	mu   sync.Mutex
	next uint16
	ext  [2]byte
}

var _ interceptor.Interceptor = (*Interceptor)(nil)

// BindLocalStream implements interceptor.Interceptor.
func (i *Interceptor) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	id := ExtensionID(info)
	if id == 0 { // not negotiated for this stream
		return writer
	}
	return &stampingWriter{ic: i, id: id, rtxSSRC: info.SSRCRetransmission, next: writer}
}

// ExtensionID is the ID the stream negotiated for the transport-wide sequence
// number, or 0 when it did not.
func ExtensionID(info *interceptor.StreamInfo) uint8 {
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == sdp.TransportCCURI && e.ID > 0 && e.ID < 256 {
			return uint8(e.ID)
		}
	}
	return 0
}

// Take returns the next number of the connection's sequence, for a packet
// numbered elsewhere than through the interceptor (package srtpout, which
// keeps its packets in order itself).
func (i *Interceptor) Take() uint16 {
	i.mu.Lock()
	defer i.mu.Unlock()
	n := i.next
	i.next++
	return n
}

type stampingWriter struct {
	ic      *Interceptor
	id      uint8
	rtxSSRC uint32 // 0: the stream has no RTX stream
	next    interceptor.RTPWriter
}

// Write sets the extension and passes the packet on. The header keeps pointing
// at the interceptor's buffer afterwards: callers must not read the extension
// back once Write returned (the forwarding path rebuilds its header per packet).
func (w *stampingWriter) Write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	if h == nil {
		return 0, ErrNilHeader
	}
	if w.rtxSSRC != 0 && h.SSRC == w.rtxSSRC {
		// Retransmissions go unnumbered. A receiver addresses its feedback
		// to the SSRC of the last numbered packet it got (Chrome and Pion
		// both do), and Pion reads a sender's RTCP on its primary SSRC only:
		// feedback addressed to the RTX SSRC was dropped unread, so while
		// retransmissions flowed (on a lossy link, exactly when it matters)
		// the estimator went blind. Their bytes are then not measured; the
		// media's loss and delay still are.
		_ = h.DelExtension(w.id) // a reused header may still carry one
		return w.next.Write(h, payload, a)
	}
	ic := w.ic
	ic.mu.Lock()
	defer ic.mu.Unlock()
	binary.BigEndian.PutUint16(ic.ext[:], ic.next)
	if err := h.SetExtension(w.id, ic.ext[:]); err != nil {
		return 0, fmt.Errorf("twccext: set extension %d: %w", w.id, err)
	}
	ic.next++
	return w.next.Write(h, payload, a)
}
