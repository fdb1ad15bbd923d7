package loadtest

import (
	"testing"
	"time"
)

func TestStreamStatsCountsLossAcrossSequenceWrap(t *testing.T) {
	s := NewStreamStats(false, 48000)
	t0 := time.Unix(1000, 0)
	seq := uint16(65530)
	for i := range 20 {
		if i == 10 { // one packet lost, just past the wrap
			seq++
			continue
		}
		s.OnPacket(PacketInfo{Arrival: t0.Add(time.Duration(i) * 20 * time.Millisecond), SequenceNumber: seq, Timestamp: uint32(i * 960), PayloadBytes: 100})
		seq++
	}
	snap := s.Snapshot(t0.Add(time.Second))
	if snap.Expected != 20 || snap.Received != 19 || snap.Lost() != 1 {
		t.Fatalf("expected 20, received 19, lost 1; got %d, %d, %d", snap.Expected, snap.Received, snap.Lost())
	}
	if snap.JitterMS > 0.1 {
		t.Errorf("perfectly paced packets gave jitter %.3f ms", snap.JitterMS)
	}
}

func TestStreamStatsLateReorderedPacketIsNotLoss(t *testing.T) {
	s := NewStreamStats(false, 48000)
	t0 := time.Unix(1000, 0)
	for i, seq := range []uint16{1, 2, 4, 3, 5} {
		s.OnPacket(PacketInfo{Arrival: t0.Add(time.Duration(i) * time.Millisecond), SequenceNumber: seq})
	}
	if snap := s.Snapshot(t0); snap.Lost() != 0 || snap.Expected != 5 {
		t.Fatalf("reordering counted as loss: %+v", snap)
	}
}

func TestStreamStatsFreezes(t *testing.T) {
	s := NewStreamStats(true, 90000)
	t0 := time.Unix(1000, 0)
	frame := func(at time.Duration, seq uint16) {
		s.OnPacket(PacketInfo{Arrival: t0.Add(at), SequenceNumber: seq, Marker: true})
	}
	frame(0, 1)
	frame(33*time.Millisecond, 2)
	frame(700*time.Millisecond, 3) // a 667 ms gap: one freeze
	frame(733*time.Millisecond, 4)
	if got := s.Snapshot(t0.Add(750 * time.Millisecond)).Freezes; got != 1 {
		t.Fatalf("freezes = %d, want 1", got)
	}
	// A stream that stopped counts as frozen when read later.
	if got := s.Snapshot(t0.Add(2 * time.Second)).Freezes; got != 2 {
		t.Fatalf("freezes of a stopped stream = %d, want 2", got)
	}
}

func TestStreamStatsDelayFromCaptureTime(t *testing.T) {
	s := NewStreamStats(false, 48000)
	t0 := time.Unix(1000, 0)
	for i := range 3 * delaySampleEvery {
		at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		s.OnPacket(PacketInfo{Arrival: at, SequenceNumber: uint16(i), CaptureTime: at.Add(-15 * time.Millisecond)})
	}
	snap := s.Snapshot(t0)
	if len(snap.DelaysMS) != 3 {
		t.Fatalf("kept %d delay samples, want 3", len(snap.DelaysMS))
	}
	for _, d := range snap.DelaysMS {
		if d != 15 {
			t.Fatalf("delay %.3f ms, want 15", d)
		}
	}
	// The progress line's reading copies no samples, and counts the same.
	if c := s.snapshot(t0, false); c.DelaysMS != nil || c.Received != snap.Received || c.Expected != snap.Expected {
		t.Errorf("counts %+v, snapshot %+v", c, snap)
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10})
	if s.P50 != 5 || s.P95 != 10 || s.Max != 10 || s.Count != 10 {
		t.Fatalf("got %+v", s)
	}
	if (Summarize(nil) != Summary{}) {
		t.Fatal("empty set must give zeros")
	}
}

func TestStreamStatsEndedStreamIsNotFrozen(t *testing.T) {
	s := NewStreamStats(true, 90000)
	t0 := time.Unix(1000, 0)
	for i := range 10 {
		s.OnPacket(PacketInfo{Arrival: t0.Add(time.Duration(i) * 33 * time.Millisecond), SequenceNumber: uint16(i), Timestamp: uint32(i * 3000), Marker: true, PayloadBytes: 1000})
	}
	later := t0.Add(10 * time.Second)
	if got := s.Snapshot(later).Freezes; got != 1 {
		t.Fatalf("running stream silent for 10 s: %d freezes, want 1", got)
	}
	s.End()
	if got := s.Snapshot(later).Freezes; got != 0 {
		t.Fatalf("ended stream: %d freezes, want 0", got)
	}
}
