package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/pion/rtp"
)

// Three participants publish simulcast VP8 and Opus; each receives the four tracks
// of the two others, with no gap in the sequence numbers the SFU rewrote.
func TestThreeParticipantsReceiveEachOther(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertest.Start(t)
	var (
		ps     []*participant
		videos []*client.LocalTrack
	)
	for i := range 3 {
		p := join(t, ctx, srv, "media", fmt.Sprintf("p%d", i))
		v, _ := publishAV(t, ctx, p)
		ps = append(ps, p)
		videos = append(videos, v)
	}
	for _, p := range ps {
		for _, other := range ps {
			if other == p {
				continue
			}
			// 150 video packets ≈ 2.5 s at the lowest layer; 100 audio packets = 2 s.
			p.waitMedia(ctx, other, 2, 100)
		}
	}
	// Sequence numbers must run on without jumps (the SFU rewrites them across
	// simulcast layers). Packets may be missing only where the SFU itself saw a gap
	// upstream (its loss counter, or the NACKs it sent the publishers): on a loaded
	// 2-core machine loopback UDP does lose bursts, and each track has two subscribers.
	stats := srv.Engine.Stats()
	t.Logf("engine stats: %+v", stats)
	upstreamNACKs := 0
	for i, v := range videos {
		upstreamNACKs += int(v.NACKs())
		t.Logf("%s's video: %d NACKed sequence numbers, %d keyframe requests", ps[i].name, v.NACKs(), v.KeyframeRequests())
	}
	missing := 0
	for _, p := range ps {
		p.mu.Lock()
		if len(p.tracks) != 4 {
			t.Errorf("%s receives %d tracks, want 4 (2 from each other participant):%s", p.name, len(p.tracks), p.describeLocked())
		}
		for _, st := range p.tracks {
			if st.publisher == p.Self().SID {
				t.Errorf("%s receives its own track %s", p.name, st.sid)
			}
			if st.jumps != 0 {
				t.Errorf("%s: track %s (%s): sequence numbers jumped %d times", p.name, st.sid, st.kind, st.jumps)
			}
			if n := st.missing(50); n != 0 {
				missing += n
				t.Logf("%s: track %s (%s) has %d sequence numbers missing of %d:%s", p.name, st.sid, st.kind, n, st.maxExt-st.minExt+1, st.gaps())
			}
		}
		p.mu.Unlock()
		if got := len(p.Others()); got != 2 {
			t.Errorf("%s sees %d others, want 2", p.name, got)
		}
	}
	if limit := 2 * max(int(stats.PacketsLostUpstream), upstreamNACKs); missing > limit {
		t.Errorf("%d sequence numbers missing at subscribers, more than the SFU's upstream loss allows (%d)", missing, limit)
	}
}

// A subscriber's network loses one video packet: the NACK the subscriber sends is
// answered from the SFU's packet cache, and the lost sequence number arrives later.
func TestLostPacketIsRetransmitted(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	srv := servertest.Start(t)
	pub := join(t, ctx, srv, "nack", "publisher")
	publishAV(t, ctx, pub)

	network, err := clienttest.NewNetwork()
	if err != nil {
		t.Fatal(err)
	}
	var (
		dropped   = make(chan struct{})
		lostSSRC  uint32
		lostSeq   uint16
		firstSeen = map[uint32]uint16{}
	)
	network.DropIncomingRTP(func(h *rtp.Header) bool {
		// Video packets only (payload type 96, VP8), once: the 60th of the stream.
		if h.PayloadType != 96 || lostSSRC != 0 {
			return false
		}
		first, ok := firstSeen[h.SSRC]
		if !ok {
			firstSeen[h.SSRC] = h.SequenceNumber
			return false
		}
		if h.SequenceNumber-first == 60 {
			lostSSRC, lostSeq = h.SSRC, h.SequenceNumber
			close(dropped)
			return true
		}
		return false
	})
	sub := join(t, ctx, srv, "nack", "subscriber", client.WithNet(network))
	select {
	case <-dropped:
	case <-ctx.Done():
		t.Fatal("no video packet reached the subscriber's network")
	}
	sub.waitFor(ctx, fmt.Sprintf("retransmission of seq %d on ssrc %d", lostSeq, lostSSRC), func() bool {
		for _, st := range sub.tracks {
			if st.ssrc != lostSSRC {
				continue
			}
			for e, n := range st.seqs {
				if uint16(e) == lostSeq && n > 0 {
					return true
				}
			}
		}
		return false
	})
	stats := srv.Engine.Stats()
	t.Logf("engine stats: %+v", stats)
	if stats.NACKsReceived == 0 || stats.Retransmits == 0 {
		t.Errorf("the lost packet came back, but the SFU counted %d NACKs and %d retransmissions", stats.NACKsReceived, stats.Retransmits)
	}
}
