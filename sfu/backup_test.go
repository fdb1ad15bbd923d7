package sfu

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// newH264ClientAPI is newClientAPI for a client that decodes H.264 only (and
// Opus), as the SIP bridge's room client for a room system does.
func newH264ClientAPI(t *testing.T) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	for _, c := range []struct {
		c    webrtc.RTPCodecParameters
		kind webrtc.RTPCodecType
	}{
		{opusCodec, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", RTCPFeedback: videoFeedback()}, PayloadType: 106},
			webrtc.RTPCodecTypeVideo},
	} {
		if err := m.RegisterCodec(c.c, c.kind); err != nil {
			t.Fatal(err)
		}
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	var s webrtc.SettingEngine
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetICEMulticastDNSMode(0)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(s), webrtc.WithInterceptorRegistry(reg))
}

// joinH264Only joins a subscriber that decodes H.264 and no other video.
func joinH264Only(t *testing.T, room *Room, identity string) *testClient {
	t.Helper()
	return joinClientAPI(t, room, identity, newH264ClientAPI(t), func(p *JoinParams) {
		p.VideoCodecs = []string{webrtc.MimeTypeH264}
	})
}

// publishBackup declares an H.264 backup of primary and sends the H.264 test
// clip on it until the client closes.
// It returns the backup and the count of key frame requests (PLI) it got.
func (c *testClient) publishBackup(clientID, primary string) (vocab.TrackInfo, *atomic.Int64) {
	c.t.Helper()
	info, err := c.p.AddTrack(clientID, TrackRequest{Kind: vocab.KindVideo, Source: vocab.SourceCamera,
		Width: 640, Height: 360, BackupOf: primary, MimeType: webrtc.MimeTypeH264})
	if err != nil {
		c.t.Fatalf("%s AddTrack backup: %v", c.name, err)
	}
	h264, err := clip.ParseH264(clips.H264, clips.H264FrameRate)
	if err != nil {
		c.t.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, clientID, "stream-"+c.name)
	if err != nil {
		c.t.Fatal(err)
	}
	sender, err := c.pub.AddTrack(track)
	if err != nil {
		c.t.Fatal(err)
	}
	plis := &atomic.Int64{}
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					plis.Add(1)
				}
			}
		}
	}()
	go func() {
		defer c.wg.Done()
		loop := h264.Loop()
		tick := time.NewTicker(time.Second / clips.H264FrameRate)
		defer tick.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-tick.C:
			}
			f := loop.Next()
			_ = track.WriteSample(media.Sample{Data: f.Data, Duration: f.Duration})
		}
	}()
	c.negotiatePublisher(false)
	return info, plis
}

func isBackupRequest(track string, enabled bool) func(Event) bool {
	return func(ev Event) bool {
		b, ok := ev.(PublisherBackup)
		return ok && b.TrackSID == track && b.Enabled == enabled && b.MimeType == webrtc.MimeTypeH264
	}
}

// A VP8 camera reaches a subscriber that decodes H.264 only through its
// backup, under the camera's SID; a subscriber that decodes VP8 keeps the
// camera and sees one track; the request is withdrawn when the H.264-only
// subscriber leaves.
func TestBackupAskedForAnH264OnlySubscriberAndWithdrawnWhenItLeaves(t *testing.T) {
	eng := newTestEngine(t)
	room, err := eng.GetOrCreateRoom("backup")
	if err != nil {
		t.Fatal(err)
	}
	alice := joinClient(t, room, "alice")
	cam := alice.publish("cam", vocab.KindVideo)
	alice.negotiatePublisher(false)
	carol := joinClient(t, room, "carol")
	carol.waitPackets(alice.p.SID(), 1, 20)

	bob := joinH264Only(t, room, "bob")
	alice.waitEvent("publisher_backup enabled", isBackupRequest(cam.SID, true))
	backup, plis := alice.publishBackup("cam-h264", cam.SID)
	if backup.SID == cam.SID {
		t.Fatal("the backup got its primary's SID")
	}
	got := bob.waitPackets(alice.p.SID(), 1, 20)
	bob.mu.Lock()
	rt := bob.received[cam.SID]
	bob.mu.Unlock()
	if rt == nil || rt != got[0] {
		t.Fatalf("bob receives alice's video under %v, want the camera's SID %s", keys(bob), cam.SID)
	}
	if !strings.EqualFold(rt.mime, webrtc.MimeTypeH264) {
		t.Fatalf("bob receives alice's camera in %s, want H.264 (the backup)", rt.mime)
	}

	// The others see one camera, which names its backup's codec.
	carol.waitEvent("the camera announced again with its backup", func(ev Event) bool {
		tp, ok := ev.(TrackPublished)
		return ok && tp.Track.SID == cam.SID && tp.Track.BackupMimeType == webrtc.MimeTypeH264
	})
	for _, ev := range append(carol.log.all(), bob.log.all()...) {
		if tp, ok := ev.(TrackPublished); ok && tp.Track.SID == backup.SID {
			t.Fatalf("the backup was announced as a track: %+v", tp)
		}
	}
	tracks := alice.p.Info().Tracks
	if len(tracks) != 1 || tracks[0].SID != cam.SID || tracks[0].BackupMimeType != webrtc.MimeTypeH264 {
		t.Fatalf("alice's roster tracks = %+v, want the camera alone, with an H.264 backup", tracks)
	}
	carol.mu.Lock()
	n := len(carol.received)
	carol.mu.Unlock()
	if n != 1 {
		t.Fatalf("carol receives %d tracks of alice, want the camera alone: %v", n, keys(carol))
	}
	if carol.received[cam.SID].mime != webrtc.MimeTypeVP8 {
		t.Fatalf("carol receives the camera in %s, want VP8", carol.received[cam.SID].mime)
	}

	// Key frame requests on the backup go to the backup's stream.
	before := plis.Load()
	deadline := time.Now().Add(testTimeout)
	for plis.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("bob's key frame requests never reached the backup's sender")
		}
		if err := bob.sub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: rt.ssrc}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // the pace of the requests, not a wait for a result
	}

	bob.close()
	bob.p.Close(vocab.ReasonClientLeft)
	alice.waitEvent("publisher_backup withdrawn", isBackupRequest(cam.SID, false))
}

func keys(c *testClient) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.received {
		out = append(out, k)
	}
	return out
}

// Nobody who cannot decode VP8: no backup is asked.
func TestNoBackupAskedWhenEveryoneDecodesTheCodec(t *testing.T) {
	eng := newTestEngine(t)
	room, err := eng.GetOrCreateRoom("nobackup")
	if err != nil {
		t.Fatal(err)
	}
	alice := joinClient(t, room, "alice")
	alice.publish("cam", vocab.KindVideo)
	alice.negotiatePublisher(false)
	carol := joinClient(t, room, "carol", func(p *JoinParams) { p.VideoCodecs = []string{webrtc.MimeTypeVP8, webrtc.MimeTypeH264} })
	carol.waitPackets(alice.p.SID(), 1, 20)
	room.activity.backups(room.snapshot()) // what the activity goroutine runs every allocEvery
	for _, ev := range alice.log.all() {
		if b, ok := ev.(PublisherBackup); ok {
			t.Fatalf("a backup was asked while everyone decodes VP8: %+v", b)
		}
	}
}

// A bad backup is refused with a message that says what is wrong.
func TestBackupAddTrackRefusals(t *testing.T) {
	eng := newTestEngine(t)
	room, err := eng.GetOrCreateRoom("badbackup")
	if err != nil {
		t.Fatal(err)
	}
	alice := joinClient(t, room, "alice")
	mic := alice.publish("mic", vocab.KindAudio)
	cam := alice.publish("cam", vocab.KindVideo)
	alice.negotiatePublisher(false)
	alice.waitEvent("the camera live", func(ev Event) bool {
		tp, ok := ev.(TrackPublished)
		return ok && tp.ClientID == "cam" && tp.Track.MimeType != ""
	})
	bob := joinClient(t, room, "bob")
	bobCam := bob.publish("cam", vocab.KindVideo)
	first, err := alice.p.AddTrack("cam-h264", TrackRequest{Kind: vocab.KindVideo, Source: vocab.SourceCamera, BackupOf: cam.SID, MimeType: webrtc.MimeTypeH264})
	if err != nil {
		t.Fatal(err)
	}
	video := func(backupOf, mime string) TrackRequest {
		return TrackRequest{Kind: vocab.KindVideo, Source: vocab.SourceCamera, BackupOf: backupOf, MimeType: mime}
	}
	for _, tc := range []struct {
		name string
		req  TrackRequest
		want string
	}{
		{"another's track", video(bobCam.SID, webrtc.MimeTypeH264), "backup_of " + bobCam.SID + " is not one of your tracks"},
		{"unknown track", video("TR_nope", webrtc.MimeTypeH264), "backup_of TR_nope is not one of your tracks"},
		{"audio primary", video(mic.SID, webrtc.MimeTypeH264), "backup_of " + mic.SID + " is an audio track; only video has a backup"},
		{"backup of a backup", video(first.SID, webrtc.MimeTypeVP9), "backup_of " + first.SID + " is itself a backup"},
		{"second backup", video(cam.SID, webrtc.MimeTypeVP9), cam.SID + " has a backup already (" + first.SID + ")"},
		{"same codec", video(cam.SID, webrtc.MimeTypeVP8), "backup_of " + cam.SID + " is video/vp8 already; a backup is in another codec"},
		{"no codec", video(cam.SID, ""), "a backup declares its codec (mime_type)"},
		{"codec without backup_of", video("", webrtc.MimeTypeH264), "a codec (mime_type) is only declared for a backup"},
		{"other source", TrackRequest{Kind: vocab.KindVideo, Source: vocab.SourceScreenShare, BackupOf: cam.SID, MimeType: webrtc.MimeTypeH264},
			"a backup of " + cam.SID + " (camera) has the same source, not screen_share"},
	} {
		_, err := alice.p.AddTrack("x-"+tc.name, tc.req)
		if !errors.Is(err, ErrInvalidArgument) || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument ending %q", tc.name, err, tc.want)
		}
	}
}

// Muting the primary mutes its backup; unpublishing it removes the backup and
// the subscriptions that took their media from it.
func TestBackupGoesWithItsPrimary(t *testing.T) {
	eng := newTestEngine(t)
	room, err := eng.GetOrCreateRoom("backupgoes")
	if err != nil {
		t.Fatal(err)
	}
	alice := joinClient(t, room, "alice")
	cam := alice.publish("cam", vocab.KindVideo)
	alice.negotiatePublisher(false)
	bob := joinH264Only(t, room, "bob")
	alice.waitEvent("publisher_backup enabled", isBackupRequest(cam.SID, true))
	alice.publishBackup("cam-h264", cam.SID)
	bob.waitPackets(alice.p.SID(), 1, 20)

	primary := alice.p.publishedTrack(cam.SID)
	backup := primary.backup.Load()
	if backup == nil {
		t.Fatal("the camera has no live backup")
	}
	if err := alice.p.SetTrackMuted(cam.SID, true); err != nil {
		t.Fatal(err)
	}
	if !backup.up.Load().Muted() {
		t.Fatal("muting the camera left its backup unmuted")
	}
	for _, ev := range bob.log.all() {
		if m, ok := ev.(TrackMuted); ok && m.TrackSID != cam.SID {
			t.Fatalf("bob was told of a mute of a track he does not know: %+v", m)
		}
	}
	if err := alice.p.Unpublish(cam.SID); err != nil {
		t.Fatal(err)
	}
	alice.p.mu.Lock()
	left := len(alice.p.tracks)
	alice.p.mu.Unlock()
	if left != 0 {
		t.Fatalf("alice has %d tracks after unpublishing her camera, want none (its backup goes with it)", left)
	}
	bob.p.mu.Lock()
	subs := len(bob.p.subs)
	bob.p.mu.Unlock()
	if subs != 0 {
		t.Fatalf("bob keeps %d subscriptions after the camera was unpublished", subs)
	}
	if !backup.retracted.Load() {
		t.Fatal("the backup was not retracted with its primary")
	}
}
