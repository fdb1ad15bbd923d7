package sendbwe

import (
	"testing"
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
)

// link plays a receiver: packets sent 1 ms apart arrive after a delay the
// test chooses per packet, or never; Pion's TWCC recorder writes the
// feedback, which the estimator reads as it comes off the wire.
type link struct {
	t     *testing.T
	start time.Time
	rec   *twcc.Recorder
}

func newLink(t *testing.T) *link {
	return &link{t: t, start: time.Unix(1_700_000_000, 0), rec: twcc.NewRecorder(1)}
}

func newEstimator() *Estimator { return New(3_000_000, 50_000, 50_000_000) }

func (l *link) send(e *Estimator, seq uint16, delay time.Duration, lost bool) {
	at := l.start.Add(time.Duration(seq) * time.Millisecond)
	e.Sent(seq, 1000, at)
	if !lost {
		l.rec.Record(2, seq, at.Add(delay).UnixMicro())
	}
}

func (l *link) feedback(e *Estimator) {
	l.t.Helper()
	raw, err := rtcp.Marshal(l.rec.BuildFeedbackPacket())
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := e.ReadRTCP(raw, l.start); err != nil {
		l.t.Fatalf("feedback from Pion's recorder refused: %v", err)
	}
}

func TestSteadyDelayIsNoGrowth(t *testing.T) {
	e := newEstimator()
	l := newLink(t)
	for seq := range uint16(200) {
		l.send(e, seq, 20*time.Millisecond+time.Duration(seq%3)*250*time.Microsecond, false)
		if seq%50 == 49 {
			l.feedback(e)
		}
	}
	if got := e.Totals(); got != (Totals{Sent: 200, Received: 200}) {
		t.Fatalf("totals %+v, want 200 sent and received", got)
	}
	if g := e.DelayGrowth(); g > 2*time.Millisecond {
		t.Errorf("delay growth %v on a link of steady delay", g)
	}
}

func TestFillingQueueShowsGrowth(t *testing.T) {
	e := newEstimator()
	l := newLink(t)
	// Each packet waits 1 ms longer than the one before: a queue filling.
	for seq := range uint16(100) {
		l.send(e, seq, time.Duration(seq)*time.Millisecond, false)
	}
	l.feedback(e)
	if g := e.DelayGrowth(); g < 70*time.Millisecond {
		t.Errorf("delay growth %v, want most of the 99 ms the queue grew", g)
	}
	e.ResetDelay()
	if g := e.DelayGrowth(); g != 0 {
		t.Errorf("delay growth %v after a reset, want 0 until new feedback", g)
	}
}

// A queue that stays full is no growth once the baseline has forgotten the
// empty queue: the baseline is the least delay of the last two spans.
func TestBaselineForgetsAnOldEmptyQueue(t *testing.T) {
	e := newEstimator()
	l := newLink(t)
	for seq := range uint16(10) {
		l.send(e, seq, 5*time.Millisecond, false)
	}
	// Five seconds later, and on, every packet waits 80 ms.
	l.start = l.start.Add(5 * time.Second)
	for seq := uint16(10); seq < 60; seq++ {
		l.send(e, seq, 80*time.Millisecond, false)
	}
	l.feedback(e)
	if g := e.DelayGrowth(); g > 2*time.Millisecond {
		t.Errorf("delay growth %v against a baseline 5 s old", g)
	}
}

func TestLossIsCountedOnce(t *testing.T) {
	e := newEstimator()
	l := newLink(t)
	for seq := range uint16(100) {
		// The recorder reports from the first packet it got to the last.
		l.send(e, seq, 10*time.Millisecond, seq%4 == 2)
	}
	l.feedback(e)
	l.feedback(e) // nothing new: nothing is counted twice
	got := e.Totals()
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
	e := newEstimator()
	l := newLink(t)
	for seq := range uint16(50) {
		at := l.start.Add(time.Duration(seq) * time.Millisecond)
		l.rec.Record(2, seq, at.UnixMicro()) // never recorded as sent here
	}
	l.send(e, 50, 0, false)
	l.feedback(e)
	if got := e.Totals(); got != (Totals{Sent: 1, Received: 1}) {
		t.Fatalf("totals %+v, want only the one recorded packet", got)
	}
}
