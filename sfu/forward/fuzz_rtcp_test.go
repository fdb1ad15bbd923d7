package forward

import (
	"bytes"
	"encoding/binary"
	"github.com/ensemble-sfu/ensemble/vocab"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// FuzzDownTrackRTCP feeds arbitrary RTCP, as a subscriber sends it about the
// track it receives, to a DownTrack that has forwarded sixteen VP8 packets
// (SSRC 55, RTX SSRC 77 when flag bit 0 is set). The first input byte holds the
// flags, the rest is one compound packet; bit 1 hands it over a second time
// 60 ms later. Checked: nothing panics; everything written is a retransmission
// of a packet that was sent, on the RTX stream (the original sequence number
// first, then the same payload) or on the primary one (the same packet), with
// the same timestamp; no packet is resent twice within rtxMinInterval; every
// retransmission answers a NACKed sequence number; loss and RTT stay in range;
// PLIs and FIRs are counted.
func FuzzDownTrackRTCP(f *testing.F) {
	for _, seed := range rtcpSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		flags, raw := data[0], data[1:]
		pkts, err := rtcp.Unmarshal(raw)
		if err != nil {
			return
		}
		var plis atomic.Int32
		up := newVideoUp(&plis, nil)
		l := attachLayer(up, vocab.QualityHigh, 1)
		w := &fakeWriter{}
		rtx := uint32(0)
		if flags&1 != 0 {
			rtx = 77
		}
		d := bindDown(t, up, w, 55, rtx)
		c := newClock()
		for i := range uint16(16) {
			payload := vp8Delta(10 + i)
			if i == 0 {
				payload = vp8Key(10)
			}
			l.handle(marshal(t, 1, 96, pktSpec{seq: 1000 + i, ts: 3000 * uint32(i/2), payload: payload, marker: i%2 == 1, level: -1}), c.next(0))
		}
		sent := map[uint16]sentRTP{}
		for _, p := range w.take() {
			sent[p.hdr.SequenceNumber] = p
		}
		if len(sent) != 16 {
			t.Fatalf("%d packets forwarded, want 16", len(sent))
		}

		rounds := 1
		if flags&2 != 0 {
			rounds = 2
		}
		wantPLIs := uint64(0)
		for round := range rounds {
			now := c.next(time.Duration(round) * 60 * time.Millisecond)
			nacked := nackedSeqs(pkts, 55)
			if err := d.handleRTCP(raw, now); err != nil {
				t.Fatalf("refused what rtcp.Unmarshal parses: %v", err)
			}
			resent := map[uint16]bool{}
			for _, p := range w.take() {
				osn, payload := p.hdr.SequenceNumber, p.payload
				if rtx != 0 {
					if p.hdr.SSRC != 77 || p.hdr.PayloadType != 101 || len(payload) < 2 {
						t.Fatalf("RTX packet ssrc %d pt %d, %d bytes", p.hdr.SSRC, p.hdr.PayloadType, len(payload))
					}
					osn, payload = binary.BigEndian.Uint16(payload), payload[2:]
				} else if p.hdr.SSRC != 55 {
					t.Fatalf("retransmission on ssrc %d", p.hdr.SSRC)
				}
				orig, ok := sent[osn]
				switch {
				case !ok:
					t.Fatalf("retransmitted seq %d was never sent", osn)
				case !nacked[osn]:
					t.Fatalf("seq %d retransmitted without a NACK", osn)
				case resent[osn]:
					t.Fatalf("seq %d retransmitted twice at once", osn)
				case !bytes.Equal(payload, orig.payload) || p.hdr.Timestamp != orig.hdr.Timestamp:
					t.Fatalf("retransmission of seq %d differs from the original", osn)
				}
				resent[osn] = true
			}
			wantPLIs += countKeyframeRequests(pkts, 55)
		}
		s := d.Stats()
		if s.FractionLost < 0 || s.FractionLost >= 1 || s.RTT < 0 || s.Jitter < 0 {
			t.Fatalf("stats out of range: %+v", s)
		}
		if s.PLIs != wantPLIs {
			t.Fatalf("%d PLIs counted, want %d", s.PLIs, wantPLIs)
		}
	})
}

// nackedSeqs is the set of sequence numbers the NACKs for ssrc ask for.
func nackedSeqs(pkts []rtcp.Packet, ssrc uint32) map[uint16]bool {
	seqs := map[uint16]bool{}
	for _, p := range pkts {
		if n, ok := p.(*rtcp.TransportLayerNack); ok && n.MediaSSRC == ssrc {
			for _, pair := range n.Nacks {
				for _, s := range pair.PacketList() {
					seqs[s] = true
				}
			}
		}
	}
	return seqs
}

// countKeyframeRequests counts the PLIs for ssrc and the FIRs (a FIR names its
// SSRCs in entries, which the DownTrack does not read: any FIR counts).
func countKeyframeRequests(pkts []rtcp.Packet, ssrc uint32) uint64 {
	n := uint64(0)
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.PictureLossIndication:
			if p.MediaSSRC == ssrc {
				n++
			}
		case *rtcp.FullIntraRequest:
			n++
		}
	}
	return n
}

// rtcpSeeds are compound packets a browser sends about a received video track:
// NACKs, PLI, FIR, a receiver report with an RTT sample, REMB and TWCC feedback,
// a sender report (from a client that also sends), and one for another SSRC.
func rtcpSeeds() [][]byte {
	compound := func(flags byte, pkts ...rtcp.Packet) []byte {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			panic(err)
		}
		return append([]byte{flags}, b...)
	}
	rr := &rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 55, FractionLost: 25, TotalLost: 3,
		LastSequenceNumber: 1015, Jitter: 90, LastSenderReport: 0x12345678, Delay: 0x00010000}}}
	return [][]byte{
		compound(1, rr, &rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 55, Nacks: []rtcp.NackPair{{PacketID: 1003, LostPackets: 0b101}}}),
		compound(2, &rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 55, Nacks: []rtcp.NackPair{{PacketID: 1015, LostPackets: 0xffff}}}),
		compound(0, rr, &rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 55}),
		compound(0, &rtcp.FullIntraRequest{SenderSSRC: 1, MediaSSRC: 55, FIR: []rtcp.FIREntry{{SSRC: 55, SequenceNumber: 1}}}),
		compound(0, rr, &rtcp.ReceiverEstimatedMaximumBitrate{SenderSSRC: 1, Bitrate: 1_500_000, SSRCs: []uint32{55}}),
		compound(0, rr, &rtcp.TransportLayerCC{SenderSSRC: 1, MediaSSRC: 55, BaseSequenceNumber: 1, PacketStatusCount: 1,
			ReferenceTime: 1, FbPktCount: 0, PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{
				PacketStatusSymbol: rtcp.TypeTCCPacketReceivedSmallDelta, RunLength: 1}},
			RecvDeltas: []*rtcp.RecvDelta{{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 250}}}),
		compound(0, &rtcp.SenderReport{SSRC: 1, NTPTime: 1 << 32, RTPTime: 90000, PacketCount: 10, OctetCount: 1000,
			Reports: []rtcp.ReceptionReport{{SSRC: 55, FractionLost: 255, TotalLost: 0xffffff, Jitter: 0xffffffff}}}),
		compound(3, &rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 56, Nacks: []rtcp.NackPair{{PacketID: 1001}}},
			&rtcp.PictureLossIndication{MediaSSRC: 56}),
	}
}
