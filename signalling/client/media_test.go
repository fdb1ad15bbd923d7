package client_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clienttest"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/signalling/server/servertest"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// pair joins a publisher (with pubOpts) and a subscriber to one room of a fresh server.
func pair(t *testing.T, ctx context.Context, room string, pubOpts ...client.Option) (pub, sub *client.Client) {
	t.Helper()
	return pairWith(t, ctx, room, pubOpts, nil)
}

// pairWith is pair with options for the subscriber too.
func pairWith(t *testing.T, ctx context.Context, room string, pubOpts, subOpts []client.Option) (pub, sub *client.Client) {
	t.Helper()
	srv := servertest.Start(t)
	pub, err := client.Join(ctx, srv.URL, srv.Token(room, "pub"), pubOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	sub, err = client.Join(ctx, srv.URL, srv.Token(room, "sub"), subOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return pub, sub
}

// play plays c on track until the test ends.
func play(t *testing.T, ctx context.Context, track *client.LocalTrack, c *clip.Clip) {
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = clienttest.PlayClip(ctx, track, c) }()
	t.Cleanup(func() { stop(); wg.Wait() })
}

// subscribed waits for the subscriber to receive the track with this SID.
func subscribed(t *testing.T, c *client.Client, sid string) *client.RemoteTrack {
	t.Helper()
	return waitEvent(t, c, "track "+sid, func(ev client.TrackSubscribed) bool { return ev.Track.TrackSID == sid }).Track
}

// Each codec a clip exists for crosses the server: the subscriber receives the
// track in the publisher's codec, knows its source, and reads packets stamped with
// their arrival time; a sender report maps the received timestamps to a clock.
func TestReceivedTracksDeliverPacketsWithArrivalTimes(t *testing.T) {
	parse := func(f func([]byte) (*clip.Clip, error), b []byte) *clip.Clip {
		c, err := f(b)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	h264 := func(b []byte) (*clip.Clip, error) { return clip.ParseH264(b, clips.H264FrameRate) }
	tests := []struct {
		name   string
		source vocab.Source
		mime   string
		clip   *clip.Clip
		fmtp   string // H.264 profile
	}{
		{"VP8", vocab.SourceCamera, webrtc.MimeTypeVP8, parse(clip.ParseIVF, clips.VP8Low), ""},
		{"VP9", vocab.SourceCamera, webrtc.MimeTypeVP9, parse(clip.ParseIVF, clips.VP9), ""},
		{"AV1", vocab.SourceCamera, webrtc.MimeTypeAV1, parse(clip.ParseIVF, clips.AV1), ""},
		{"H264", vocab.SourceScreenShare, webrtc.MimeTypeH264, parse(h264, clips.H264), ""},
		// The clip is constrained baseline, which a high-profile decoder reads too.
		{"H264 high profile", vocab.SourceCamera, webrtc.MimeTypeH264, parse(h264, clips.H264), "profile-level-id=64001f"},
		{"Opus", vocab.SourceMicrophone, webrtc.MimeTypeOpus, parse(clip.ParseOgg, clips.Opus), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			pub, sub := pair(t, ctx, "codec-"+strings.ReplaceAll(tt.name, " ", "-"))
			track, err := pub.PublishTrack(ctx, client.TrackOptions{Source: tt.source, MimeType: tt.mime,
				FmtpLine: tt.fmtp, Width: tt.clip.Width, Height: tt.clip.Height})
			if err != nil {
				t.Fatal(err)
			}
			play(t, ctx, track, tt.clip)
			rt := subscribed(t, sub, track.SID())
			if got := rt.Codec(); got.MimeType != tt.mime || !strings.Contains(got.SDPFmtpLine, tt.fmtp) {
				t.Errorf("received codec %s %q, want %s %q", got.MimeType, got.SDPFmtpLine, tt.mime, tt.fmtp)
			}
			if info := rt.Info(); info.Source != tt.source || info.SID != track.SID() {
				t.Errorf("track info %+v, want source %s", info, tt.source)
			}
			if p, ok := rt.Participant(); !ok || p.Identity != "pub" {
				t.Errorf("publisher %+v %v", p, ok)
			}

			// Read until a sender report arrived (Pion's reports come about once a
			// second), then one packet more.
			var prev client.Packet
			packets := 0
			for {
				p, err := rt.ReadPacket()
				if err != nil {
					t.Fatalf("after %d packets: %v", packets, err)
				}
				packets++
				if p.Arrival.IsZero() || (packets > 1 && p.Arrival.Before(prev.Arrival)) {
					t.Fatalf("packet %d arrival %v after %v", packets, p.Arrival, prev.Arrival)
				}
				prev = p
				sr, ok := rt.SenderReport()
				if !ok {
					continue
				}
				if sr.ClockRate != rt.Codec().ClockRate || sr.Packets == 0 || sr.Arrival.IsZero() || sr.NTPTime.IsZero() {
					t.Errorf("sender report %+v", sr)
				}
				// The report speaks of the timestamps this client receives: it lies
				// within seconds of them, not anywhere in the 32-bit range.
				if d := int32(sr.RTPTime - p.Timestamp); d > 5*int32(sr.ClockRate) || d < -5*int32(sr.ClockRate) {
					t.Errorf("sender report RTP time %d is %d ticks from the packets' %d", sr.RTPTime, d, p.Timestamp)
				}
				break
			}
		})
	}
}

// A keyframe request from a subscriber reaches the publisher, whose next frame is
// a key frame, and that key frame reaches the subscriber.
func TestRequestKeyframeReachesThePublisher(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub, sub := pair(t, ctx, "keyframe")
	vp8, err := clip.ParseIVF(clips.VP8Low)
	if err != nil {
		t.Fatal(err)
	}
	track, err := pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera})
	if err != nil {
		t.Fatal(err)
	}
	// The publisher sends delta frames only, except right after a keyframe request.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(33 * time.Millisecond)
		defer tick.Stop()
		seen, next := uint64(0), 1
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			f := vp8.Frames[next]
			if reqs := track.KeyframeRequests(); reqs != seen {
				seen, f = reqs, vp8.Frames[0]
			} else if next++; next >= 60 { // frames 1..59: no keyframe among them
				next = 1
			}
			_ = track.WriteSample(0, mediaSample(f))
		}
	}()
	defer func() { cancel(); wg.Wait() }()

	rt := subscribed(t, sub, track.SID())
	keyframes := make(chan struct{}, 16)
	go func() {
		for {
			p, err := rt.ReadPacket()
			if err != nil {
				return
			}
			if isVP8Keyframe(p.Payload) {
				select {
				case keyframes <- struct{}{}:
				default: // nobody waits for that many
				}
			}
		}
	}()
	select { // the subscription's own request brings the first
	case <-keyframes:
	case <-ctx.Done():
		t.Fatal("no first keyframe")
	}
	before := track.KeyframeRequests()
	for len(keyframes) > 0 { // only a key frame sent after the request counts
		<-keyframes
	}
	retry := time.NewTicker(200 * time.Millisecond) // the server passes one request per 500 ms
	defer retry.Stop()
	for track.KeyframeRequests() == before {
		if err := rt.RequestKeyframe(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-retry.C:
		case <-ctx.Done():
			t.Fatal("the publisher never saw the request")
		}
	}
	select {
	case <-keyframes:
	case <-ctx.Done():
		t.Fatal("no keyframe after the request")
	}
}

func mediaSample(f clip.Frame) media.Sample { return media.Sample{Data: f.Data, Duration: f.Duration} }

// isVP8Keyframe reads an RTP payload: the first packet of a VP8 key frame.
func isVP8Keyframe(payload []byte) bool {
	var d codecs.VP8Packet
	frame, err := d.Unmarshal(payload)
	return err == nil && d.S == 1 && d.PID == 0 && len(frame) > 0 && frame[0]&1 == 0
}
