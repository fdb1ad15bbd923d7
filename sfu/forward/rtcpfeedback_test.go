package forward

import (
	"errors"
	"slices"
	"testing"

	"github.com/pion/rtcp"
)

// pionFeedback is what rtcp.Unmarshal's packets say, in rtcpFeedback's terms.
func pionFeedback(pkts []rtcp.Packet) *rtcpFeedback {
	f := &rtcpFeedback{}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.TransportLayerNack:
			for _, n := range p.Nacks {
				f.nacks = append(f.nacks, nackPair{ssrc: p.MediaSSRC, pid: n.PacketID, blp: uint16(n.LostPackets)})
			}
		case *rtcp.PictureLossIndication:
			f.plis = append(f.plis, p.MediaSSRC)
		case *rtcp.FullIntraRequest:
			f.firs++
		case *rtcp.ReceiverReport:
			f.reports = appendReports(f.reports, p.Reports)
		case *rtcp.SenderReport:
			f.reports = appendReports(f.reports, p.Reports)
		}
	}
	return f
}

func appendReports(to []reportBlock, rs []rtcp.ReceptionReport) []reportBlock {
	for _, r := range rs {
		to = append(to, reportBlock{ssrc: r.SSRC, fractionLost: r.FractionLost, totalLost: r.TotalLost,
			jitter: r.Jitter, lsr: r.LastSenderReport, dlsr: r.Delay})
	}
	return to
}

func sameFeedback(a, b *rtcpFeedback) bool {
	return slices.Equal(a.nacks, b.nacks) && slices.Equal(a.plis, b.plis) && a.firs == b.firs &&
		slices.Equal(a.reports, b.reports)
}

// FuzzRTCPFeedback: whatever rtcp.Unmarshal parses, the DownTrack's own parser
// parses too, with the same NACKs, PLIs, FIRs and report blocks; nothing
// panics; what it refuses leaves nothing behind.
func FuzzRTCPFeedback(f *testing.F) {
	for _, seed := range rtcpSeeds() {
		f.Add(seed[1:]) // without the flags byte of FuzzDownTrackRTCP
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fb := newRTCPFeedback()
		err := fb.parse(raw)
		if err != nil {
			if !errors.Is(err, ErrBadRTCP) {
				t.Fatalf("error %v is not ErrBadRTCP", err)
			}
			if len(fb.nacks)+len(fb.plis)+fb.firs+len(fb.reports) != 0 {
				t.Fatal("a refused packet left feedback behind")
			}
		}
		pkts, perr := rtcp.Unmarshal(raw)
		if perr != nil {
			return
		}
		if err != nil {
			t.Fatalf("refused what rtcp.Unmarshal parses (%v): %v", pkts, err)
		}
		if want := pionFeedback(pkts); !sameFeedback(fb, want) {
			t.Fatalf("parsed %+v, rtcp.Unmarshal says %+v", fb, want)
		}
	})
}

func TestRTCPFeedbackRefusesMalformedPackets(t *testing.T) {
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1,
		Reports: []rtcp.ReceptionReport{{SSRC: 55}}}})
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"short header", []byte{0x80, 201}},
		{"version 1", append([]byte{0x41}, rr[1:]...)},
		{"length beyond the data", rr[:len(rr)-4]},
		{"report blocks beyond the packet", []byte{0x82, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 55, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"NACK without media SSRC", []byte{0x81, 205, 0, 1, 0, 0, 0, 1}},
		{"PLI too short", []byte{0x81, 206, 0, 1, 0, 0, 0, 1}},
		{"valid then garbage", append(slices.Clone(rr), 0x80)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := newRTCPFeedback()
			if err := fb.parse(tc.raw); !errors.Is(err, ErrBadRTCP) {
				t.Fatalf("got %v, want ErrBadRTCP", err)
			}
		})
	}
}

// BenchmarkRTCPFeedback parses a compound packet as a browser sends it about
// a received video track (receiver reports, NACKs, PLI, FIR, REMB):
// the DownTrack's parser against rtcp.Unmarshal, which it replaces.
func BenchmarkRTCPFeedback(b *testing.B) {
	var raw []byte
	for _, seed := range rtcpSeeds()[:5] {
		raw = append(raw, seed[1:]...)
	}
	if _, err := rtcp.Unmarshal(raw); err != nil {
		b.Fatal(err)
	}
	b.Run("parse", func(b *testing.B) {
		fb := newRTCPFeedback()
		b.ReportAllocs()
		for b.Loop() {
			if err := fb.parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rtcp.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rtcp.Unmarshal(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
