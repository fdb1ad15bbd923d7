package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// A REMB's bitrate can exceed what an int64 holds; converted as is it became
// math.MinInt64 and the estimate fell to the minimum (found by
// FuzzLinkEstimatorRTCP). It is clamped to the maximum estimate instead; a REMB
// of 0 gives rembFloor (see TestEstimateFollowsREMBWithoutTWCC).
func TestHugeREMBGivesTheMaximumEstimate(t *testing.T) {
	for _, tc := range []struct {
		bps  float32
		want int
	}{{1e20, maxEstimate}, {3e9, maxEstimate}, {0, rembFloor}, {800_000, 800_000}} {
		link := newTestLink(t)
		feedRTCP(t, link, &rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: tc.bps, SSRCs: []uint32{1}})
		b := newBandwidthEstimate(link, nil, nil)
		b.update(time.Now(), 0)
		if b.estimate != tc.want {
			t.Errorf("REMB %v bit/s: estimate %d, want %d", tc.bps, b.estimate, tc.want)
		}
	}
}
