package probe

import (
	"testing"
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
)

// link plays a receiver: packets sent 1 ms apart arrive after a delay the
// test chooses per packet, or never; Pion's TWCC recorder writes the
// feedback, which goes through Marshal and Unmarshal as it would on the wire.
type link struct {
	t     *testing.T
	start time.Time
	rec   *twcc.Recorder
}

func newLink(t *testing.T) *link {
	return &link{t: t, start: time.Unix(1_700_000_000, 0), rec: twcc.NewRecorder(1)}
}

func (l *link) send(m *Meter, seq uint16, delay time.Duration, lost bool) {
	at := l.start.Add(time.Duration(seq) * time.Millisecond)
	m.Sent(seq, at)
	if !lost {
		l.rec.Record(2, seq, at.Add(delay).UnixMicro())
	}
}

func (l *link) feedback(m *Meter) {
	for _, p := range l.rec.BuildFeedbackPacket() {
		raw, err := p.Marshal()
		if err != nil {
			l.t.Fatal(err)
		}
		parsed, err := rtcp.Unmarshal(raw)
		if err != nil {
			l.t.Fatal(err)
		}
		for _, q := range parsed {
			if fb, ok := q.(*rtcp.TransportLayerCC); ok {
				m.Feedback(fb)
			}
		}
	}
}

func TestSteadyDelayIsNoGrowth(t *testing.T) {
	var m Meter
	l := newLink(t)
	for seq := range uint16(200) {
		l.send(&m, seq, 20*time.Millisecond+time.Duration(seq%3)*250*time.Microsecond, false)
		if seq%50 == 49 {
			l.feedback(&m)
		}
	}
	if got := m.Totals(); got != (Totals{Sent: 200, Received: 200}) {
		t.Fatalf("totals %+v, want 200 sent and received", got)
	}
	if g := m.DelayGrowth(); g > 2*time.Millisecond {
		t.Errorf("delay growth %v on a link of steady delay", g)
	}
}

func TestFillingQueueShowsGrowth(t *testing.T) {
	var m Meter
	l := newLink(t)
	// Each packet waits 1 ms longer than the one before: a queue filling.
	for seq := range uint16(100) {
		l.send(&m, seq, time.Duration(seq)*time.Millisecond, false)
	}
	l.feedback(&m)
	if g := m.DelayGrowth(); g < 70*time.Millisecond {
		t.Errorf("delay growth %v, want most of the 99 ms the queue grew", g)
	}
	m.ResetDelay()
	if g := m.DelayGrowth(); g != 0 {
		t.Errorf("delay growth %v after a reset, want 0 until new feedback", g)
	}
}

// A queue that stays full is no growth once the baseline has forgotten the
// empty queue: the baseline is the least delay of the last two spans.
func TestBaselineForgetsAnOldEmptyQueue(t *testing.T) {
	var m Meter
	l := newLink(t)
	for seq := range uint16(10) {
		l.send(&m, seq, 5*time.Millisecond, false)
	}
	// Five seconds later, and on, every packet waits 80 ms.
	l.start = l.start.Add(5 * time.Second)
	for seq := uint16(10); seq < 60; seq++ {
		l.send(&m, seq, 80*time.Millisecond, false)
	}
	l.feedback(&m)
	if g := m.DelayGrowth(); g > 2*time.Millisecond {
		t.Errorf("delay growth %v against a baseline 5 s old", g)
	}
}

func TestLossIsCountedOnce(t *testing.T) {
	var m Meter
	l := newLink(t)
	for seq := range uint16(100) {
		// The recorder reports from the first packet it got to the last.
		l.send(&m, seq, 10*time.Millisecond, seq%4 == 2)
	}
	l.feedback(&m)
	l.feedback(&m) // nothing new: nothing is counted twice
	got := m.Totals()
	if got.Received != 75 || got.Lost != 25 {
		t.Fatalf("totals %+v, want 75 received and 25 lost", got)
	}
	if r := got.LossRatio(); r != 0.25 {
		t.Errorf("loss ratio %v, want 0.25", r)
	}
	if d := got.Sub(Totals{Sent: 50, Received: 50, Lost: 5}); d != (Totals{Sent: 50, Received: 25, Lost: 20}) {
		t.Errorf("difference %+v", d)
	}
}

func TestUnrecordedPacketsAreSkipped(t *testing.T) {
	var m Meter
	l := newLink(t)
	for seq := range uint16(50) {
		at := l.start.Add(time.Duration(seq) * time.Millisecond)
		l.rec.Record(2, seq, at.UnixMicro()) // never recorded as sent here
	}
	l.send(&m, 50, 0, false)
	l.feedback(&m)
	if got := m.Totals(); got != (Totals{Sent: 1, Received: 1}) {
		t.Fatalf("totals %+v, want only the one recorded packet", got)
	}
}

func TestMalformedFeedbackIsHarmless(t *testing.T) {
	var m Meter
	m.Sent(7, time.Now())
	m.Sent(8, time.Now())
	m.Feedback(&rtcp.TransportLayerCC{
		BaseSequenceNumber: 7, PacketStatusCount: 3,
		PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{
			PacketStatusSymbol: rtcp.TypeTCCPacketReceivedSmallDelta, RunLength: 3}},
		RecvDeltas: []*rtcp.RecvDelta{nil},
	})
	if got := m.Totals(); got.Received != 1 || got.Lost != 0 {
		t.Errorf("totals %+v, want the one packet with a delta received and no more read", got)
	}
}

func TestRecordingAllocatesNothing(t *testing.T) {
	var m Meter
	l := newLink(t)
	for seq := range uint16(100) {
		l.send(&m, seq, 5*time.Millisecond, false)
	}
	fb := l.rec.BuildFeedbackPacket()[0].(*rtcp.TransportLayerCC)
	now := time.Now()
	allocs := testing.AllocsPerRun(100, func() {
		m.Sent(1, now)
		m.Feedback(fb)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet and feedback", allocs)
	}
}
