package rewrite

import (
	"testing"
	"time"
)

const ms = int64(time.Millisecond)

// stream produces source packets: count packets starting at seq/ts, ts
// advancing by step per packet and arrival by 20 ms per packet.
type srcPacket struct {
	seq uint16
	ts  uint32
	at  int64
}

func stream(seq uint16, ts uint32, at int64, step uint32, count int) []srcPacket {
	out := make([]srcPacket, count)
	for i := range out {
		out[i] = srcPacket{seq: seq + uint16(i), ts: ts + uint32(i)*step, at: at + int64(i)*20*ms}
	}
	return out
}

// feed rewrites pkts and checks that every output sequence number follows the
// previous one by exactly one.
func feed(t *testing.T, s *SeqTS, pkts []srcPacket, prevSeq *uint16, havePrev *bool) (lastTS uint32) {
	t.Helper()
	for _, p := range pkts {
		seq, ts, ok := s.Rewrite(p.seq, p.ts, p.at)
		if !ok {
			t.Fatalf("packet seq %d dropped", p.seq)
		}
		if *havePrev && seq != *prevSeq+1 {
			t.Fatalf("output seq %d after %d: not continuous", seq, *prevSeq)
		}
		*prevSeq, *havePrev = seq, true
		lastTS = ts
	}
	return lastTS
}

func TestFirstRunPassesNumbersThrough(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	seq, ts, ok := s.Rewrite(1234, 5678, 0)
	if !ok || seq != 1234 || ts != 5678 {
		t.Fatalf("got %d %d %v", seq, ts, ok)
	}
}

func TestContinuityAcrossSourceSwitch(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	var prev uint16
	var have bool
	lastTS := feed(t, &s, stream(100, 1000, 0, 3000, 50), &prev, &have)

	// A new source with unrelated numbering, 40 ms after the last packet.
	s.Rebase()
	next := stream(40000, 777777, 49*20*ms+40*ms, 3000, 50)
	seq, ts, ok := s.Rewrite(next[0].seq, next[0].ts, next[0].at)
	if !ok || seq != prev+1 {
		t.Fatalf("first packet after switch: seq %d, want %d", seq, prev+1)
	}
	if want := lastTS + 40*90; ts != want { // 40 ms at 90 kHz
		t.Fatalf("first timestamp after switch %d, want %d", ts, want)
	}
	prev = seq
	after := feed(t, &s, next[1:], &prev, &have)
	if after-ts != 49*3000 {
		t.Fatalf("timestamps within the new run advance by %d, want %d", after-ts, 49*3000)
	}
}

func TestOldPacketOfNewRunIsDropped(t *testing.T) {
	var s SeqTS
	s.Init(48000)
	s.Rewrite(10, 0, 0)
	s.Rewrite(11, 960, 20*ms)
	s.Rebase()
	s.Rewrite(500, 0, 40*ms)
	if _, _, ok := s.Rewrite(499, 0, 41*ms); ok {
		t.Fatal("packet older than the start of the run was forwarded")
	}
	if seq, _, ok := s.Rewrite(501, 960, 60*ms); !ok || seq != 13 {
		t.Fatalf("next packet: seq %d ok %v, want 13", seq, ok)
	}
}

func TestMuteResumeContinuesWithoutGapAndJumpsTimestampByWallTime(t *testing.T) {
	var s SeqTS
	s.Init(48000)
	var prev uint16
	var have bool
	lastTS := feed(t, &s, stream(7, 100, 0, 960, 10), &prev, &have)
	lastAt := 9 * 20 * ms

	// Paused for 5 s: the publisher kept sending (seq advanced by 250) but
	// nothing was forwarded.
	s.Rebase()
	resumeAt := lastAt + 5000*ms
	seq, ts, ok := s.Rewrite(7+10+250, 100+260*960, resumeAt)
	if !ok || seq != prev+1 {
		t.Fatalf("seq after resume %d, want %d", seq, prev+1)
	}
	if want := lastTS + 5*48000; ts != want {
		t.Fatalf("ts after resume %d, want %d (last + 5 s)", ts, want)
	}
}

func TestSequenceWrapAt65535(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	var prev uint16
	var have bool
	feed(t, &s, stream(65530, 0, 0, 3000, 20), &prev, &have) // source wraps
	s.Rebase()
	feed(t, &s, stream(30000, 0, 20*20*ms, 3000, 70000), &prev, &have) // output wraps
}

func TestOutputWrapsAfterRebaseNearTheTop(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	var prev uint16
	var have bool
	feed(t, &s, stream(65534, 0, 0, 3000, 1), &prev, &have)
	s.Rebase()
	feed(t, &s, stream(10, 0, 20*ms, 3000, 5), &prev, &have) // 65535, 0, 1, 2, 3
	if prev != 3 {
		t.Fatalf("last output seq %d, want 3", prev)
	}
}

func TestTimestampWrap(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	s.Rewrite(1, 4294967000, 0)
	_, ts, _ := s.Rewrite(2, 2704, 33*ms) // source wraps
	if ts != 2704 {
		t.Fatalf("ts %d", ts)
	}
	s.Rebase()
	_, ts2, _ := s.Rewrite(9000, 5, 66*ms)
	if ts2-ts != 33*90 {
		t.Fatalf("timestamp advanced by %d across the wrap, want %d", ts2-ts, 33*90)
	}
}

func TestReorderingWithinARunIsPreserved(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	s.Rewrite(100, 0, 0)
	s.Rebase()
	a, _, _ := s.Rewrite(1000, 0, 1)
	c, _, _ := s.Rewrite(1002, 0, 2)
	b, _, ok := s.Rewrite(1001, 0, 3)
	if !ok || a != 101 || b != 102 || c != 103 {
		t.Fatalf("got %d %d %d", a, b, c)
	}
	if last, _ := s.Last(); last != 103 {
		t.Fatalf("Last %d, want 103", last)
	}
}

func TestSkipLeavesNoGap(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	s.Rewrite(10, 0, 0)
	if !s.Skip(11) {
		t.Fatal("Skip of the next packet refused")
	}
	if seq, _, _ := s.Rewrite(12, 0, 1); seq != 11 {
		t.Fatalf("seq after a skipped packet %d, want 11", seq)
	}
	if s.Skip(20) {
		t.Fatal("Skip of a packet after a gap accepted")
	}
}

func TestSourceJumpForwardIsKeptAsGap(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	s.Rewrite(10, 0, 0)
	seq, _, ok := s.Rewrite(15, 0, 1) // 11..14 lost upstream: the subscriber NACKs them
	if !ok || seq != 15 {
		t.Fatalf("seq %d", seq)
	}
}

func TestSeqTSInsertKeepsSequenceContinuous(t *testing.T) {
	var s SeqTS
	s.Init(90000)
	if _, _, ok := s.Insert(); ok {
		t.Fatal("Insert before the first packet succeeded")
	}
	s.Rewrite(100, 9000, 0)
	s.Rewrite(101, 9000, 0)
	pad, ts, ok := s.Insert()
	if !ok || pad != 102 || ts != 9000 {
		t.Fatalf("Insert = %d %d %v, want 102 9000 true", pad, ts, ok)
	}
	out, _, _ := s.Rewrite(102, 12000, 0)
	if out != 103 {
		t.Fatalf("packet after padding got %d, want 103", out)
	}
}
