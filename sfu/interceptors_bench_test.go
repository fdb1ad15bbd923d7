package sfu

import (
	"context"
	"log/slog"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// BenchmarkSubscriberRTCPRead reads one compound RTCP packet from a subscriber
// (two receiver reports and a NACK, as a browser sends every few hundred ms)
// through the interceptors of a subscriber connection, as RTPSender.Read does.
//
//	go test -run '^$' -bench SubscriberRTCPRead -benchmem ./sfu/
func BenchmarkSubscriberRTCPRead(b *testing.B) {
	e, err := NewEngine(context.Background(), Config{BindIP: "127.0.0.1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	m, err := newMediaEngine()
	if err != nil {
		b.Fatal(err)
	}
	bwe, err := e.bwe.factory()
	if err != nil {
		b.Fatal(err)
	}
	reg, err := newInterceptors(m, bwe)
	if err != nil {
		b.Fatal(err)
	}
	i, err := reg.Build("bench")
	if err != nil {
		b.Fatal(err)
	}
	defer i.Close()
	pkt, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 11, FractionLost: 3, LastSequenceNumber: 4000, Jitter: 20}}},
		&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 12, LastSequenceNumber: 900, Jitter: 8}}},
		&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 11, Nacks: []rtcp.NackPair{{PacketID: 3990, LostPackets: 0b101}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	reader := i.BindRTCPReader(interceptor.RTCPReaderFunc(func(buf []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return copy(buf, pkt), a, nil
	}))
	buf := make([]byte, 1500)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := reader.Read(buf, nil); err != nil {
			b.Fatal(err)
		}
	}
}
