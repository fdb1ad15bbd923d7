package sfu

import (
	"context"
	"log/slog"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// subscriberChain is the interceptor chain of a subscriber connection, as
// the engine builds it, with one video stream bound (transport-wide numbers
// on, as negotiated with every subscriber).
type subscriberChain struct {
	rtcp  interceptor.RTCPReader
	write interceptor.RTPWriter
	link  *linkEstimator
	close func()
}

func newSubscriberChain(tb testing.TB, rtcpIn []byte) *subscriberChain {
	tb.Helper()
	e, err := NewEngine(context.Background(), Config{BindIP: "127.0.0.1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := newMediaEngine()
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := newInterceptors(m, rtcpCounterFactory{&e.stats}, e.bwe.factory(), e.bwe.twccFactory())
	if err != nil {
		tb.Fatal(err)
	}
	i, err := reg.Build("bench")
	if err != nil {
		tb.Fatal(err)
	}
	info := &interceptor.StreamInfo{SSRC: 11, MimeType: "video/VP8", ClockRate: 90000,
		RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 3}}}
	return &subscriberChain{
		rtcp: i.BindRTCPReader(interceptor.RTCPReaderFunc(func(buf []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
			return copy(buf, rtcpIn), a, nil
		})),
		write: i.BindLocalStream(info, interceptor.RTPWriterFunc(func(h *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) {
			return len(p), nil
		})),
		link:  e.bwe.take("bench").link,
		close: func() { _ = i.Close(); e.Close() },
	}
}

// subscriberRTCP is what a subscriber sends: two receiver reports and a NACK,
// as a browser sends every few hundred ms, and transport-wide feedback on
// 40 packets, every 100 ms.
func subscriberRTCP(tb testing.TB) map[string][]byte {
	tb.Helper()
	rec := twcc.NewRecorder(1)
	for seq := range uint16(40) {
		if seq != 17 {
			rec.Record(11, seq, int64(seq)*1250)
		}
	}
	out := map[string][]byte{}
	for name, pkts := range map[string][]rtcp.Packet{
		"rr+nack": {
			&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 11, FractionLost: 3, LastSequenceNumber: 4000, Jitter: 20}}},
			&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 12, LastSequenceNumber: 900, Jitter: 8}}},
			&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 11, Nacks: []rtcp.NackPair{{PacketID: 3990, LostPackets: 0b101}}},
		},
		"twcc": rec.BuildFeedbackPacket(),
	} {
		raw, err := rtcp.Marshal(pkts)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = raw
	}
	return out
}

// BenchmarkSubscriberRTCPRead reads one compound RTCP packet from a subscriber
// through the interceptors of a subscriber connection, as RTPSender.Read does.
//
//	go test -run '^$' -bench SubscriberRTCPRead -benchmem ./sfu/
func BenchmarkSubscriberRTCPRead(b *testing.B) {
	for name, pkt := range subscriberRTCP(b) {
		b.Run(name, func(b *testing.B) {
			c := newSubscriberChain(b, pkt)
			defer c.close()
			buf := make([]byte, 1500)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.rtcp.Read(buf, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Every packet sent to a subscriber and every RTCP packet it sends pass its
// connection's interceptors (transport-wide numbering, the bandwidth
// estimator): neither allocates. Pion's cc and gcc interceptors, there
// before, allocated 2 per packet sent and 12 per compound RTCP packet read.
func TestSubscriberInterceptorsAllocateNothing(t *testing.T) {
	for name, pkt := range subscriberRTCP(t) {
		c := newSubscriberChain(t, pkt)
		buf := make([]byte, 1500)
		hdr := &rtp.Header{Version: 2, SSRC: 11, PayloadType: 96}
		payload := make([]byte, 1100)
		allocs := testing.AllocsPerRun(200, func() {
			hdr.SequenceNumber++
			if _, err := c.write.Write(hdr, payload, nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.rtcp.Read(buf, nil); err != nil {
				t.Fatal(err)
			}
		})
		if sent := c.link.Est.Totals().Sent; sent < 200 {
			t.Errorf("%s: the estimator recorded %d of the packets sent", name, sent)
		}
		if got := c.link.Feedbacks.Load(); name == "twcc" && got == 0 {
			t.Errorf("twcc: the estimator read no feedback")
		}
		c.close()
		if allocs != 0 {
			t.Errorf("%s: %v allocations per packet sent and RTCP packet read", name, allocs)
		}
	}
}
