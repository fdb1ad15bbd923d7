package sip

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// askKeyframe sends the far end's video socket PLI naming its SSRC when it
// offered nack pli, FIR (with a rising sequence number) when it offered only
// ccm fir; to the RTCP port of the SDP at the address the RTP came from.
func TestAskKeyframeSendsPLIOrFIR(t *testing.T) {
	far, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	farRTCP := far.LocalAddr().(*net.UDPAddr).AddrPort()
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	for _, tc := range []struct {
		name     string
		pli, fir bool
	}{{"pli", true, false}, {"pli and fir", true, true}, {"fir only", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			c := &call{video: &videoLeg{conn: conn, ssrc: 7}}
			rtpFrom := netip.AddrPortFrom(farRTCP.Addr(), farRTCP.Port()-1) // RTP on port-1, RTCP on port
			c.video.offer.Store(&videoOffer{pli: tc.pli, fir: tc.fir, rtcpRemote: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.9"), farRTCP.Port())})
			c.video.remote.Store(&rtpFrom)
			c.video.mediaSSRC.Store(0xcafe)
			for want := uint8(1); want <= 2; want++ {
				if err := c.askKeyframe(t.Context()); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 1500)
				_ = far.SetReadDeadline(time.Now().Add(10 * time.Second))
				n, err := far.Read(buf)
				if err != nil {
					t.Fatal(err)
				}
				pkts, err := rtcp.Unmarshal(buf[:n])
				if err != nil || len(pkts) != 1 {
					t.Fatalf("RTCP %v %v", pkts, err)
				}
				switch p := pkts[0].(type) {
				case *rtcp.PictureLossIndication:
					if !tc.pli || p.MediaSSRC != 0xcafe || p.SenderSSRC != 7 {
						t.Fatalf("PLI %+v", p)
					}
				case *rtcp.FullIntraRequest:
					if tc.pli || len(p.FIR) != 1 || p.FIR[0].SSRC != 0xcafe || p.FIR[0].SequenceNumber != want {
						t.Fatalf("FIR %+v", p)
					}
				default:
					t.Fatalf("sent %T", p)
				}
			}
			if got := c.video.keyframes.Load(); got != 2 {
				t.Fatalf("%d key frames counted", got)
			}
		})
	}
}

// The caller's RTCP asks for a key frame when it holds a PLI or FIR, in a
// compound packet or alone; receiver reports, other feedback and noise do not.
func TestAsksKeyframe(t *testing.T) {
	marshal := func(pkts ...rtcp.Packet) []byte {
		b, err := rtcp.Marshal(pkts)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rr := &rtcp.ReceiverReport{SSRC: 1}
	for name, tc := range map[string]struct {
		b    []byte
		want bool
	}{
		"PLI":             {marshal(&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 2}), true},
		"RR then PLI":     {marshal(rr, &rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 2}), true},
		"FIR":             {marshal(&rtcp.FullIntraRequest{SenderSSRC: 1, FIR: []rtcp.FIREntry{{SSRC: 2}}}), true},
		"RR":              {marshal(rr), false},
		"NACK":            {marshal(&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 2, Nacks: []rtcp.NackPair{{PacketID: 5}}}), false},
		"truncated PLI":   {marshal(&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 2})[:6], false},
		"not RTCP at all": {[]byte{0x80, 0xc8, 0xff}, false},
	} {
		if got := asksKeyframe(tc.b); got != tc.want {
			t.Errorf("%s: asksKeyframe = %v, want %v", name, got, tc.want)
		}
	}
}
