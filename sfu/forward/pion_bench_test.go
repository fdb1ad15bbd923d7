package forward

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// BenchmarkForwardPion is BenchmarkForward with real subscribers: each
// DownTrack is bound by a Pion PeerConnection connected over loopback, so a
// packet goes through Pion's interceptors (sender reports, TWCC sequence
// numbers, as package sfu registers them), SRTP encryption
// and a UDP write. The receiving PeerConnections live in the same process
// (with no interceptors and nobody reading the track), so their SRTP
// decryption is counted too.
func BenchmarkForwardPion(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("vp8/subscribers=%d", n), func(b *testing.B) {
			benchmarkForwardPion(b, n)
		})
	}
}

func benchmarkForwardPion(b *testing.B, subscribers int) {
	up := newVideoUp(nil, nil)
	defer up.Close()
	l := attachLayer(up, vocab.QualityHigh, 1)
	var pcs []*webrtc.PeerConnection
	var downs []*DownTrack
	var twccSeen atomic.Bool
	defer func() {
		if twcc := twccSeen.Load(); !twcc {
			b.Error("transport-wide CC was not negotiated")
		}
		for _, pc := range pcs {
			_ = pc.Close()
		}
		for _, d := range downs {
			d.Close()
		}
	}()
	for range subscribers {
		out := newLoopbackPC(b, roleSFUSubscriber)
		sink := newLoopbackPC(b, roleSink)
		pcs = append(pcs, out, sink)
		d := NewDownTrack(up, DownTrackConfig{TrackID: "TR_v", StreamID: "PA_p"})
		downs = append(downs, d)
		sender, err := out.AddTrack(d)
		if err != nil {
			b.Fatal(err)
		}
		d.Start(sender)
		signal(b, out, sink)
		for _, e := range sender.GetParameters().HeaderExtensions {
			if e.URI == sdp.TransportCCURI {
				twccSeen.Store(true)
			}
		}
	}
	payload := append(vp8Key(1), make([]byte, 1192)...)
	raw := marshal(b, 1, 96, pktSpec{seq: 0, payload: payload, level: 30, captured: make([]byte, 8)})
	now := time.Now()
	seq := uint16(0)
	// Wait until every subscriber's transport is up (a write went out).
	deadline := time.Now().Add(10 * time.Second)
	for {
		ready := 0
		for _, d := range downs {
			if d.wroteOnce.Load() {
				ready++
			}
		}
		if ready == len(downs) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d subscribers connected", ready, len(downs))
		}
		seq++
		raw[2], raw[3] = byte(seq>>8), byte(seq)
		now = now.Add(time.Millisecond)
		l.handle(raw, now)
		time.Sleep(5 * time.Millisecond)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		seq++
		raw[2], raw[3] = byte(seq>>8), byte(seq)
		now = now.Add(time.Millisecond)
		l.handle(raw, now)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(subscribers), "ns/subscriber")
}
