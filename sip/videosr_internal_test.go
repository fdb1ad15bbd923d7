package sip

import (
	"testing"
	"time"
)

// A sender report's RTP time is the last packet's timestamp moved on by the
// wall time since it was sent, at 90 kHz (wrapping as RTP time does); its
// counts are what was sent; none is made before anything was sent.
func TestSenderReportTimes(t *testing.T) {
	var s sentVideo
	at := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	if _, ok := s.report(7, at); ok {
		t.Fatal("a report before anything was sent")
	}
	s.sent(1000, 1200, at)
	s.sent(0xffffff00, 300, at)
	sr, ok := s.report(7, at.Add(500*time.Millisecond))
	wantTS := uint32(0xffffff00)
	wantTS += 45000 // half a second at 90 kHz, past the wrap
	if !ok || sr.SSRC != 7 || sr.PacketCount != 2 || sr.OctetCount != 1500 || sr.RTPTime != wantTS {
		t.Fatalf("report %+v", sr)
	}
	if got, want := sr.NTPTime>>32, uint64(at.Unix())+2208988800; got != want {
		t.Fatalf("NTP seconds %d, want %d", got, want)
	}
	if frac := uint32(sr.NTPTime); frac != 1<<31 {
		t.Fatalf("NTP fraction %#x of half a second, want 0x80000000", frac)
	}
}
