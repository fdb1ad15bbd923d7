package sip

import (
	"testing"

	"github.com/pion/rtp"
)

func pkt(seq uint16) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}}
}

func TestJitterBufferReordersAndConceals(t *testing.T) {
	j := newJitterBuffer(3)
	for _, s := range []uint16{65534, 0, 65535} { // out of order, across the wrap
		if _, ready := j.Pop(); ready {
			t.Fatal("played before it filled")
		}
		j.Push(pkt(s))
	}
	j.Push(pkt(2)) // 1 is lost
	var got []int
	for range 5 {
		p, ready := j.Pop()
		if !ready {
			t.Fatal("stopped playing")
		}
		if p == nil {
			got = append(got, -1)
		} else {
			got = append(got, int(p.SequenceNumber))
		}
	}
	want := []int{65534, 65535, 0, -1, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("played %v, want %v", got, want)
		}
	}
	j.Push(pkt(65535)) // long past its turn
	if j.Dropped() != 1 {
		t.Fatalf("dropped %d", j.Dropped())
	}
}

func TestJitterBufferRebuffersAfterSilence(t *testing.T) {
	j := newJitterBuffer(2)
	j.Push(pkt(10))
	j.Push(pkt(11))
	for range 2 {
		if p, ready := j.Pop(); !ready || p == nil {
			t.Fatal("did not play")
		}
	}
	for range 9 {
		if _, ready := j.Pop(); !ready {
			t.Fatal("stopped before the rebuffer point")
		}
	}
	if _, ready := j.Pop(); ready {
		t.Fatal("kept playing silence")
	}
	j.Push(pkt(500)) // the sender came back elsewhere in its sequence
	j.Push(pkt(501))
	if p, ready := j.Pop(); !ready || p == nil || p.SequenceNumber != 500 {
		t.Fatalf("after rebuffering: %v %v", p, ready)
	}
}
