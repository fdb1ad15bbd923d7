package sendbwe

import (
	"encoding/binary"
	"sync/atomic"
	"time"

	"github.com/ensemble-sfu/ensemble/sfu/twccext"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// Link is the Pion interceptor of one connection that feeds its Estimator:
// every packet sent with a transport-wide sequence number is recorded, every
// RTCP packet the receiver sends is read in place for transport-wide
// feedback and REMB on its way to the connection's readers. It takes the
// place of Pion's cc and gcc interceptors, which allocated per packet sent
// (a list element and a map entry of send history) and per RTCP packet
// (their parse).
//
// It must come before twccext in the registry: an interceptor registered
// later wraps the writers of those before it, so twccext numbers a packet
// before Link sees it.
type Link struct {
	interceptor.NoOp
	Est *Estimator

	// LastFeedback is when transport-wide (or RFC 8888) feedback last came,
	// unix nanos; 0 if never.
	LastFeedback atomic.Int64
	// REMBBps and LastREMB are the bitrate of the last REMB (bounded to the
	// estimator's maximum) and when it came.
	REMBBps, LastREMB atomic.Int64
	// Counts, for metrics: feedback packets, REMBs, and compound packets
	// refused as malformed (from where the fault is; the connection's other
	// readers refuse them with their own message).
	Feedbacks, REMBs, RTCPErrors atomic.Uint64

	maxBps int
}

// NewLink returns a Link whose estimator starts at initial and stays within
// [minRate, maxRate] bits per second.
func NewLink(initial, minRate, maxRate int) *Link {
	return &Link{Est: New(initial, minRate, maxRate), maxBps: maxRate}
}

// BindLocalStream records each packet of a stream sent with a transport-wide
// number. Retransmissions carry none (see package twccext).
func (l *Link) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	id := twccext.ExtensionID(info)
	if id == 0 {
		return w
	}
	rtxSSRC := info.SSRCRetransmission
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if rtxSSRC == 0 || h.SSRC != rtxSSRC {
			if raw := h.GetExtension(id); len(raw) >= 2 {
				l.Est.Sent(binary.BigEndian.Uint16(raw), h.MarshalSize()+len(payload), time.Now())
			}
		}
		return w.Write(h, payload, a)
	})
}

// BindRTCPReader reads the receiver's RTCP on its way to the connection's
// readers.
func (l *Link) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := r.Read(b, a)
		if err == nil {
			l.ReadRTCP(b[:n], time.Now())
		}
		return n, a, err
	})
}

// ReadRTCP reads one compound RTCP packet received at now.
func (l *Link) ReadRTCP(b []byte, now time.Time) {
	f, err := l.Est.ReadRTCP(b, now)
	if err != nil {
		l.RTCPErrors.Add(1)
	}
	at := now.UnixNano()
	if f.TWCC || f.CCFB {
		l.LastFeedback.Store(at)
		l.Feedbacks.Add(1)
	}
	if f.REMB {
		l.REMBBps.Store(boundREMB(f.REMBBps, l.maxBps))
		l.LastREMB.Store(at)
		l.REMBs.Add(1)
	}
}

// boundREMB bounds a REMB's bitrate before it is made an integer: its
// mantissa and exponent reach 2^81 bit/s, and a float that large (or NaN)
// converts to a meaningless integer (math.MinInt64 on amd64), which turned
// "unlimited" into the smallest estimate.
func boundREMB(bps float64, maxBps int) int64 {
	switch {
	case !(bps > 0):
		return 0
	case bps > float64(maxBps):
		return int64(maxBps)
	}
	return int64(bps)
}
