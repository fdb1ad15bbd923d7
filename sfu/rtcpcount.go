package sfu

import (
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// rtcpCounter counts the RTCP the engine writes on a connection (sender
// reports and its own feedback toward subscribers, receiver reports, NACKs
// and PLIs toward publishers), so that /metrics accounts for every packet the
// server puts on the wire: media, retransmissions, probing padding and RTCP.
type rtcpCounter struct {
	interceptor.NoOp
	compounds, packets *atomic.Uint64
}

// rtcpCounterFactory gives every connection a counter adding to the engine's.
type rtcpCounterFactory struct{ s *engineStats }

func (f rtcpCounterFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &rtcpCounter{compounds: &f.s.rtcpCompoundsOut, packets: &f.s.rtcpPacketsOut}, nil
}

func (c *rtcpCounter) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		c.compounds.Add(1)
		c.packets.Add(uint64(len(pkts)))
		return w.Write(pkts, a)
	})
}
