package web_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"

	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A participant that decodes H.264 only (what the SIP bridge is for a room
// system) joins a room where a browser sends its camera in VP8 simulcast. The
// server asks the browser for an H.264 backup (publisher_backup), the browser
// sends a clone of its camera on a second sender pinned to H.264, and the
// H.264-only participant gets that picture: frames ffprobe decodes. When it
// leaves, the server says nobody needs the backup and the browser stops sending
// it.
func TestE2EBrowserSendsAnH264BackupForAnH264OnlyParticipant(t *testing.T) {
	ffprobe := mediaTool(t, "ffprobe")
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "h264-backup"
	alice := b.newPage("alice", true)
	alice.join(srv.URL, room, "Alice")
	alice.waitJS("alice's camera published", `__ensemble.session.pubs.get("camera")?.sid`, 20*time.Second)
	if eval[bool](alice, `!!__ensemble.session.pubs.get("camera").backup`) {
		t.Fatal("alice sends a backup before anyone needs one")
	}

	// The room system, as the SIP bridge joins it: a participant of kind sip,
	// audio in Opus, video in H.264 only.
	rsToken := srv.TokenWith(auth.TokenParams{Identity: "room-system", Name: "Salle Zola", Room: room,
		Kind: vocab.ParticipantSIP, Grants: auth.DefaultParticipantGrants(), TTL: time.Hour})
	rs, err := client.Join(ctx, srv.URL, rsToken, client.WithCodecs(webrtc.MimeTypeOpus, webrtc.MimeTypeH264))
	if err != nil {
		t.Fatalf("H.264-only client join: %v", err)
	}
	var closeOnce sync.Once
	closeRS := func() { closeOnce.Do(func() { _ = rs.Close() }) }
	defer closeRS()

	path := filepath.Join(t.TempDir(), "alice.h264")
	var packets atomic.Int64
	var readers sync.WaitGroup
	defer readers.Wait()
	defer closeRS() // ends the readers before they are waited for
	gotTrack := make(chan *client.RemoteTrack, 1)
	readers.Add(1)
	go func() {
		defer readers.Done()
		for ev := range rs.Events() {
			sub, ok := ev.(client.TrackSubscribed)
			if !ok || sub.Track.Kind() != vocab.KindVideo {
				continue
			}
			select {
			case gotTrack <- sub.Track:
			default:
			}
		}
	}()
	var track *client.RemoteTrack
	select {
	case track = <-gotTrack:
	case <-ctx.Done():
		t.Fatalf("the H.264-only client got no video track\n%s", alice.debugState())
	}
	if mime := track.Codec().MimeType; !strings.EqualFold(mime, webrtc.MimeTypeH264) {
		t.Fatalf("the H.264-only client gets alice's camera in %s", mime)
	}
	if info := track.Info(); info.Source != vocab.SourceCamera {
		t.Fatalf("the H.264-only client sees a track of source %q, want the camera", info.Source)
	}
	w, err := h264writer.New(path)
	if err != nil {
		t.Fatal(err)
	}
	readers.Add(1)
	go func() {
		defer readers.Done()
		defer w.Close()
		for {
			p, err := track.ReadRTP()
			if err != nil {
				return
			}
			if len(p.Payload) == 0 {
				continue // probing padding, not the picture
			}
			packets.Add(1)
			_ = w.WriteRTP(p)
		}
	}()

	alice.waitJS("alice's backup published", `__ensemble.session.pubs.get("camera").backup?.sid`, 20*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	const want = 150 // about 8 s of Chromium's fake camera, several key frames apart
	for time.Now().Before(deadline) && packets.Load() < want {
		time.Sleep(200 * time.Millisecond)
	}
	if n := packets.Load(); n < want {
		t.Fatalf("the H.264-only client received %d packets of alice's camera in 30 s\n%s", n, alice.debugState())
	}

	// The browser's own stats: a second video sender encodes H.264.
	var codecs []string
	if err := json.Unmarshal([]byte(eval[string](alice, `__ensemble.session.publisher.getStats().then(st => {
		const c = new Map([...st.values()].filter(r => r.type === "codec").map(r => [r.id, r.mimeType]));
		return JSON.stringify([...st.values()].filter(r => r.type === "outbound-rtp" && r.kind === "video" && r.framesEncoded > 0).map(r => c.get(r.codecId)));
	})`)), &codecs); err != nil {
		t.Fatal(err)
	}
	if !containsFold(codecs, webrtc.MimeTypeH264) || !containsFold(codecs, webrtc.MimeTypeVP8) {
		t.Fatalf("alice's video senders encode %v, want VP8 and H.264", codecs)
	}

	// Camera off: the backup's clone is stopped too (a live clone would keep
	// the camera's light on). Camera on: a new clone, and the backup flows again.
	_ = eval[bool](alice, `(window.__backupClone = __ensemble.session.pubs.get("camera").backup.track, true)`)
	alice.do(chromedp.Click(chromedp.CSS("#ctl-cam")))
	alice.waitJS("the backup's clone stopped with the camera", `__backupClone.readyState === "ended"
		&& __ensemble.session.pubs.get("camera").backup.transceiver.sender.track === null`, 10*time.Second)
	before := packets.Load()
	alice.do(chromedp.Click(chromedp.CSS("#ctl-cam")))
	alice.waitJS("a new clone sent as the backup", `(() => { const b = __ensemble.session.pubs.get("camera").backup;
		return b.track && b.track.readyState === "live" && b.track !== __backupClone && b.transceiver.sender.track === b.track; })()`, 10*time.Second)
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && packets.Load() < before+50 {
		time.Sleep(200 * time.Millisecond)
	}
	if n := packets.Load() - before; n < 50 {
		out := eval[string](alice, `__ensemble.session.publisher.getStats().then(st => JSON.stringify([...st.values()].filter(r => r.type === "outbound-rtp" && r.kind === "video").map(r => ({ssrc: r.ssrc, rid: r.rid, frames: r.framesEncoded, sent: r.packetsSent, pli: r.pliCount, fir: r.firCount, keys: r.keyFramesEncoded, active: r.active, limit: r.qualityLimitationReason}))))`)
		t.Fatalf("after the camera came back, the H.264-only client received %d packets in 20 s\n%s\n%s", n, out, alice.debugState())
	}

	// The room system leaves: nobody needs the backup, and the browser stops it.
	closeRS()
	readers.Wait()
	alice.waitJS("alice's backup stopped", `!__ensemble.session.pubs.get("camera").backup
		&& __ensemble.session.publisher.getTransceivers().filter(t => t.sender.track && t.sender.track.kind === "video").length === 1`, 20*time.Second)

	probe := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", path)
	out, err := probe.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v %s", path, err, out)
	}
	var res struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		t.Fatalf("ffprobe %s: %s (%v)", path, out, err)
	}
	s := res.Streams[0]
	t.Logf("the H.264-only client received %d packets; ffprobe: %s %dx%d, %s frames", packets.Load(), s.Codec, s.Width, s.Height, s.Frames)
	if s.Codec != "h264" || s.Width == 0 || s.Frames == "" || s.Frames == "0" || len(s.Frames) < 2 {
		t.Fatalf("alice's H.264 backup does not decode into frames: %+v", s)
	}
}

func containsFold(list []string, want string) bool {
	for _, s := range list {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}
