package whip_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

func parseClip(t *testing.T, f func([]byte) (*clip.Clip, error), b []byte) *clip.Clip {
	t.Helper()
	c, err := f(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// joinViewer joins a Go client that receives everything in room.
func joinViewer(t *testing.T, ctx context.Context, url, token string) *client.Client {
	t.Helper()
	c, err := client.Join(ctx, url, token)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// counter counts the packets a Go client receives, one reading goroutine per
// track (they end when the client closes).
type counter struct {
	mu     sync.Mutex
	counts map[string]*atomic.Int64
	wg     sync.WaitGroup
}

// receivedFrom waits until c has received n packets of a track of kind, and
// returns the track.
func (k *counter) receivedFrom(t *testing.T, c *client.Client, kind vocab.Kind, n int64) *client.RemoteTrack {
	t.Helper()
	var track *client.RemoteTrack
	waitFor(t, string(kind)+" track subscribed", func() bool {
		for _, rt := range c.RemoteTracks() {
			if rt.Info().Kind == kind {
				track = rt
				return true
			}
		}
		return false
	})
	k.mu.Lock()
	if k.counts == nil {
		k.counts = map[string]*atomic.Int64{}
	}
	cnt, ok := k.counts[track.TrackSID]
	if !ok {
		cnt = &atomic.Int64{}
		k.counts[track.TrackSID] = cnt
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			for {
				if _, err := track.ReadPacket(); err != nil {
					return
				}
				cnt.Add(1)
			}
		}()
		t.Cleanup(func() { _ = c.Close(); k.wg.Wait() })
	}
	k.mu.Unlock()
	target := cnt.Load() + n
	waitFor(t, fmt.Sprintf("%d %s packets", n, kind), func() bool { return cnt.Load() >= target })
	return track
}

// An encoder publishes audio and video by WHIP; a participant of the room sees
// an ingress and receives both. PATCH trickles a candidate (204), restarts ICE
// (200 with the server's new credentials; media flows on), DELETE ends it (the
// participant leaves and the session URL is gone).
func TestWHIPIngressReachesTheRoom(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := start(t)
	enc := newPeer(t)
	enc.sendClip(webrtc.RTPCodecTypeAudio, parseClip(t, clip.ParseOgg, clips.Opus))
	enc.sendClip(webrtc.RTPCodecTypeVideo, parseClip(t, clip.ParseIVF, clips.VP8Low))
	tok := ingressToken(srv, "studio", "obs")
	enc.post(srv.URL+"/whip/studio", tok)
	enc.waitConnected()

	viewer := joinViewer(t, ctx, srv.URL, srv.Token("studio", "viewer"))
	var k counter
	var ingress vocab.ParticipantInfo
	waitFor(t, "the ingress in the room", func() bool {
		for _, p := range viewer.Others() {
			if p.Identity == "obs" {
				ingress = p
				return true
			}
		}
		return false
	})
	if ingress.Kind != vocab.ParticipantIngress {
		t.Errorf("the WHIP publisher is of kind %q, want ingress", ingress.Kind)
	}
	video := k.receivedFrom(t, viewer, vocab.KindVideo, 30)
	k.receivedFrom(t, viewer, vocab.KindAudio, 30)
	if mt := video.Info().MimeType; mt != "video/vp8" {
		t.Errorf("video mime type %q", mt)
	}

	// Trickle: one of the encoder's own candidates again, under its mid.
	cand := firstCandidate(t, enc.pc.LocalDescription().SDP)
	frag := "a=ice-ufrag:" + ufrag(t, enc.pc.LocalDescription().SDP) + "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=" + cand + "\r\n"
	resp, body := request(t, "PATCH", enc.location, tok, "application/trickle-ice-sdpfrag", frag, "If-Match", enc.etag)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("trickle PATCH: %s %s", resp.Status, body)
	}

	// ICE restart: new credentials, If-Match "*".
	enc.restartICE(tok)
	enc.waitConnected()
	k.receivedFrom(t, viewer, vocab.KindVideo, 60) // still flowing after the restart

	resp, _ = request(t, "DELETE", enc.location, tok, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %s", resp.Status)
	}
	waitFor(t, "the ingress to leave", func() bool {
		for _, p := range viewer.Others() {
			if p.Identity == "obs" {
				return false
			}
		}
		return true
	})
	resp, _ = request(t, "PATCH", enc.location, tok, "application/trickle-ice-sdpfrag", frag)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("PATCH after DELETE: %s, want 404", resp.Status)
	}
}

// An encoder offering simulcast (a=simulcast:send q;h;f) publishes one track
// with three layers; a subscriber receives it.
func TestWHIPSimulcast(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := start(t)
	enc := newPeer(t)
	enc.sendClip(webrtc.RTPCodecTypeVideo,
		parseClip(t, clip.ParseIVF, clips.VP8Low), parseClip(t, clip.ParseIVF, clips.VP8Medium), parseClip(t, clip.ParseIVF, clips.VP8High))
	enc.post(srv.URL+"/whip/studio", ingressToken(srv, "studio", "obs"))
	if !strings.Contains(enc.pc.LocalDescription().SDP, "a=simulcast:send") {
		t.Fatal("the test encoder did not offer simulcast")
	}
	viewer := joinViewer(t, ctx, srv.URL, srv.Token("studio", "viewer"))
	var k counter
	video := k.receivedFrom(t, viewer, vocab.KindVideo, 60)
	info := video.Info()
	if !info.Simulcast || len(info.Layers) != 3 {
		t.Fatalf("track info %+v: want simulcast with 3 layers", info)
	}
	for i, want := range []vocab.Quality{vocab.QualityLow, vocab.QualityMedium, vocab.QualityHigh} {
		if info.Layers[i].Quality != want {
			t.Errorf("layer %d (%s): quality %v, want %v", i, info.Layers[i].RID, info.Layers[i].Quality, want)
		}
	}
}

// A player watches a Go client's camera and microphone by WHEP, by the
// publisher's identity and by the video track's SID.
func TestWHEPPlayerWatchesAParticipant(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := start(t)
	pub, err := client.Join(ctx, srv.URL, srv.Token("show", "presenter"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	cam, err := pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera})
	if err != nil {
		t.Fatal(err)
	}
	mic, err := pub.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		t.Fatal(err)
	}
	playClip(t, ctx, cam, parseClip(t, clip.ParseIVF, clips.VP8Low))
	playClip(t, ctx, mic, parseClip(t, clip.ParseOgg, clips.Opus))
	waitFor(t, "the presenter's tracks live", func() bool {
		room, ok := srv.Engine.Room("show")
		if !ok {
			return false
		}
		for _, p := range room.Participants() {
			if p.Identity == "presenter" {
				return len(p.Tracks) == 2
			}
		}
		return false
	})

	for _, target := range []string{"presenter", cam.SID()} {
		t.Run(target, func(t *testing.T) {
			player := newPeer(t)
			player.receive(webrtc.RTPCodecTypeAudio)
			player.receive(webrtc.RTPCodecTypeVideo)
			tok := srv.Token("show", "player-"+target, "join", "subscribe", "hidden")
			player.post(srv.URL+"/whep/show/"+target, tok)
			player.waitConnected()
			waitFor(t, "100 packets at the player", func() bool { return player.received.Load() >= 100 })
			player.restartICE(tok)
			player.waitConnected()
			n := player.received.Load()
			waitFor(t, "100 more packets after an ICE restart", func() bool { return player.received.Load() >= n+100 })
			resp, _ := request(t, "DELETE", player.location, tok, "", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("DELETE: %s", resp.Status)
			}
		})
	}
}
