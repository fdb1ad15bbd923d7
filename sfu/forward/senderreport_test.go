package forward

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// A subscriber's sender reports are on the SFU's clock and speak of the
// timestamps it receives: before the publisher reported, the last packet's
// timestamp at its arrival; afterwards the publisher's RTP time moved through the
// forwarder's timestamp offset and on by the time since the publisher's report
// arrived, so that a recorder lines up a publisher's audio and video as the
// publisher did.
func TestSenderReportsMapThePublishersReportThroughTheRewrite(t *testing.T) {
	up := NewUpTrack(UpTrackConfig{TrackSID: "TR_a", Kind: webrtc.RTPCodecTypeAudio, Codec: opusCodec})
	l := attachLayer(up, vocab.QualityHigh, 1111)
	w := &fakeWriter{}
	d := bindDown(t, up, w, 2222, 0)
	var sent []rtcp.SenderReport
	d.setRTCPSink(func(pkts []rtcp.Packet) error {
		sent = append(sent, *pkts[0].(*rtcp.SenderReport))
		return nil
	})
	c := newClock()
	seq, ts := uint16(10), uint32(960)
	feed := func() (at time.Time, in, out uint32) {
		at = c.next(20 * time.Millisecond)
		l.handle(marshal(t, 1111, 111, pktSpec{seq: seq, ts: ts, payload: []byte{0xfc, 1}, level: -1}), at)
		pkts := w.take()
		if len(pkts) != 1 {
			t.Fatalf("%d packets written, want 1", len(pkts))
		}
		in, out = ts, pkts[0].hdr.Timestamp
		seq, ts = seq+1, ts+960
		return at, in, out
	}

	at, _, out := feed()
	if len(sent) != 1 {
		t.Fatalf("%d reports after the first packet, want 1", len(sent))
	}
	if sr := sent[0]; sr.SSRC != 2222 || sr.NTPTime != ntpTime(at) || sr.RTPTime != out || sr.PacketCount != 1 {
		t.Fatalf("first report %+v, want ssrc 2222, the packet's arrival and timestamp %d, 1 packet", sr, out)
	}

	var in uint32
	reportedAt := c.next(5 * time.Millisecond)
	l.onSenderReport(123456, reportedAt) // the publisher: RTP time 123456 now
	for len(sent) < 2 {
		if len(w.pkts) > 0 || seq > 200 {
			t.Fatal("no second report within a second of packets")
		}
		at, in, out = feed()
	}
	if len(sent) != 2 {
		t.Fatalf("%d reports, want 2", len(sent))
	}
	offset := out - in
	elapsed := at.Sub(reportedAt)
	want := 123456 + offset + uint32(elapsed*48000/time.Second)
	if sr := sent[1]; sr.RTPTime != want || sr.NTPTime != ntpTime(at) {
		t.Errorf("second report RTP %d NTP %x, want %d %x (offset %d, %v after the publisher's report)",
			sr.RTPTime, sr.NTPTime, want, ntpTime(at), offset, elapsed)
	}
	if sent[1].PacketCount != uint32(d.packets.Load()) {
		t.Errorf("packet count %d, want %d", sent[1].PacketCount, d.packets.Load())
	}
}

func TestNTPTime(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
	got := ntpTime(ts)
	if sec := got >> 32; sec != uint64(ts.Unix())+2208988800 {
		t.Errorf("seconds %d", sec)
	}
	if frac := got & 0xffffffff; frac != 1<<31 {
		t.Errorf("fraction %x, want half a second", frac)
	}
}
