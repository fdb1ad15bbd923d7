package clienttest

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// The Network loses what it is told to: chosen RTP packets, and everything while cut.
func TestNetworkLosesChosenPacketsAndCuts(t *testing.T) {
	n, err := NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	rx, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()

	n.DropIncomingRTP(func(h *rtp.Header) bool { return h.SequenceNumber == 2 })
	send := func(seq uint16) {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: 1}, Payload: []byte{1}}).Marshal()
		if _, err := tx.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() (uint16, bool) {
		buf := make([]byte, 1500)
		_ = rx.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		k, _, err := rx.ReadFrom(buf)
		if err != nil {
			return 0, false
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:k]); err != nil {
			t.Fatal(err)
		}
		return p.SequenceNumber, true
	}
	for seq := uint16(1); seq <= 3; seq++ {
		send(seq)
	}
	if s, ok := recv(); !ok || s != 1 {
		t.Fatalf("first packet: %d %v", s, ok)
	}
	if s, ok := recv(); !ok || s != 3 {
		t.Fatalf("second packet: %d %v, want 3 (2 dropped)", s, ok)
	}
	// STUN and RTCP are never taken for RTP.
	if isRTP([]byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0}) || isRTP([]byte{0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0}) {
		t.Error("STUN or RTCP classified as RTP")
	}

	n.Cut(0)
	send(4)
	if _, ok := recv(); ok {
		t.Error("a packet passed a cut network")
	}
	if _, err := n.DialContext(t.Context(), "tcp", "127.0.0.1:1"); !errors.Is(err, ErrNetworkCut) {
		t.Errorf("dial through a cut network: %v", err)
	}
	n.Restore()
	send(5)
	if s, ok := recv(); !ok || s != 5 {
		t.Errorf("after restore: %d %v", s, ok)
	}
	if n.Dropped() != 2 {
		t.Errorf("dropped %d, want 2", n.Dropped())
	}
}
