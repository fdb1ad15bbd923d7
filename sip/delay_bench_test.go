package sip_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// Burst timing, in 20 ms frames: a burst of tone every second (burstEvery),
// burstFrames long, after warmUp frames in which the call and its jitter
// buffers settle. The two ways burst half a second apart.
const (
	burstEvery  = 50
	burstFrames = 10
	warmUp      = 100
)

// onsets finds where tone bursts start in a stream of frames: a frame at
// least loud (RMS) after at least five quiet ones.
type onsets struct {
	mu    sync.Mutex
	quiet int
	at    []time.Time
}

func (o *onsets) frame(pcm []int16, arrival time.Time) {
	rms := tone.RMS(pcm)
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case rms >= 1000 && o.quiet >= 5:
		o.at = append(o.at, arrival)
		o.quiet = 0
	case rms < 300:
		o.quiet++
	default:
		o.quiet = 0
	}
}

func (o *onsets) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.at)
}

// delays matches each burst sent with the first onset heard after it (within
// 900 ms) and returns the delays, and how many bursts were never heard.
func (o *onsets) delays(sent []time.Time) (d []time.Duration, missed int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range sent {
		i := slices.IndexFunc(o.at, func(a time.Time) bool { return !a.Before(s) && a.Sub(s) < 900*time.Millisecond })
		if i < 0 {
			missed++
			continue
		}
		d = append(d, o.at[i].Sub(s))
	}
	return d, missed
}

// TestSIPMouthToEarDelay measures the delay through the bridge both ways, on
// loopback, with a Go SIP phone (goUA, PCMU) and a Go client in the room:
//
//	up:   the phone sends a burst of 1 kHz tone in its RTP; the time from the
//	      burst's first packet leaving the phone to the first Opus packet of
//	      the SIP participant's track that decodes loud arriving at the Go
//	      client.
//	down: the Go client publishes a burst of 440 Hz tone; the time from its
//	      first frame written to the first PCMU packet that decodes loud
//	      arriving at the phone.
//
// Packet to packet: a phone's capture and a browser's playout buffer come on
// top. It is a measure, not a test (no bound asserted), run on demand:
//
//	ENSEMBLE_BENCH_SIP_BURSTS=20 go test -tags sipcodecs -run TestSIPMouthToEarDelay -v -count=1 ./sip/
func TestSIPMouthToEarDelay(t *testing.T) {
	bursts, _ := strconv.Atoi(os.Getenv("ENSEMBLE_BENCH_SIP_BURSTS"))
	if bursts <= 0 {
		t.Skip("set ENSEMBLE_BENCH_SIP_BURSTS to measure the delay through the bridge")
	}
	e := newEnv(t, nil)
	room, number := e.meeting(t)
	frames := warmUp + bursts*burstEvery
	ctx, cancel := context.WithTimeout(t.Context(), time.Duration(frames)*20*time.Millisecond+30*time.Second)
	defer cancel()

	alice, err := client.Join(ctx, e.srv.URL, e.srv.Token(room, "alice"), client.WithCodecs(webrtc.MimeTypeOpus))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = alice.Close() })
	var up, down onsets
	var readers sync.WaitGroup
	defer readers.Wait()
	defer alice.Close()
	go func() {
		for ev := range alice.Events() {
			sub, ok := ev.(client.TrackSubscribed)
			if !ok {
				continue
			}
			if p, _ := sub.Track.Participant(); sub.Track.Kind() != vocab.KindAudio || p.Kind != vocab.ParticipantSIP {
				sub.Track.Discard()
				continue
			}
			readers.Go(func() { hearOpus(sub.Track, &up) })
		}
	}()
	mic, err := alice.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, MimeType: webrtc.MimeTypeOpus})
	if err != nil {
		t.Fatal(err)
	}

	phone := dialGoUA(t, ctx, fmt.Sprintf("sip:%s@127.0.0.1:%d", number, e.bridge.Addr().Port()))
	readers.Go(func() { hearPCMU(phone, &down) })
	defer phone.rtp.Close()

	var upSent, downSent []time.Time
	var senders sync.WaitGroup
	senders.Go(func() { upSent = sendPCMUBursts(ctx, t, phone, frames) })
	senders.Go(func() { downSent = sendOpusBursts(ctx, t, mic, frames) })
	senders.Wait()
	if ctx.Err() != nil {
		t.Fatal("the measure did not end in time")
	}
	// The last bursts on their way: wait until each was heard, or for two
	// seconds (a burst lost is reported as not heard).
	wctx, wcancel := context.WithTimeout(ctx, 2*time.Second)
	defer wcancel()
	for up.count() < len(upSent) || down.count() < len(downSent) {
		select {
		case <-wctx.Done():
		case <-time.After(20 * time.Millisecond):
			continue
		}
		break
	}
	report := func(way string, sent []time.Time, o *onsets) {
		d, missed := o.delays(sent)
		if len(d) == 0 {
			t.Errorf("%s: none of %d bursts heard", way, len(sent))
			return
		}
		slices.Sort(d)
		t.Logf("%s: p50 %v, min %v, max %v over %d bursts (%d not heard)", way,
			d[len(d)/2].Round(100*time.Microsecond), d[0].Round(100*time.Microsecond), d[len(d)-1].Round(100*time.Microsecond), len(d), missed)
	}
	report("SIP phone -> room (up)", upSent, &up)
	report("room -> SIP phone (down)", downSent, &down)
}

// hearOpus decodes a room track and notes where its bursts start.
func hearOpus(track *client.RemoteTrack, o *onsets) {
	dec, err := codec.NewOpusDecoder(48000)
	if err != nil {
		return
	}
	defer dec.Close()
	pcm := make([]int16, 5760)
	for {
		p, err := track.ReadPacket()
		if err != nil {
			return
		}
		if n, err := dec.Decode(p.Payload, pcm); err == nil {
			o.frame(pcm[:n], p.Arrival)
		}
	}
}

// hearPCMU reads the bridge's RTP to the phone and notes where its bursts
// start, until the phone's socket closes.
func hearPCMU(phone *goUA, o *onsets) {
	dec, err := codec.NewDecoder(codec.PCMU)
	if err != nil {
		return
	}
	defer dec.Close()
	buf := make([]byte, 1500)
	pcm := make([]int16, 160)
	var p rtp.Packet
	for {
		n, _, err := phone.rtp.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		arrival := time.Now()
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		if k, err := dec.Decode(p.Payload, pcm); err == nil {
			o.frame(pcm[:k], arrival)
		}
	}
}

// burstAt says whether frame i of a stream is tone, with the burst phase
// offset (in frames) of that way.
func burstAt(i, phase int) (on, first bool) {
	if i < warmUp {
		return false, false
	}
	k := (i - warmUp + phase) % burstEvery
	return k < burstFrames, k == 0
}

// sendPCMUBursts is the phone's microphone: frames of 20 ms of PCMU, silent
// but for the bursts; it returns when each burst's first packet was sent.
func sendPCMUBursts(ctx context.Context, t *testing.T, phone *goUA, frames int) []time.Time {
	enc, err := codec.NewEncoder(codec.PCMU)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer enc.Close()
	sine := &tone.Sine{Freq: 1000, Rate: 8000, Amplitude: 8000}
	silence := make([]int16, 160)
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(rand.Uint32()), SSRC: rand.Uint32()}}
	var sent []time.Time
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := range frames {
		select {
		case <-ctx.Done():
			return sent
		case <-tick.C:
		}
		pcm := silence
		on, first := burstAt(i, burstEvery/2)
		if on {
			pcm = sine.Next(160)
		}
		if p.Payload, err = enc.Encode(pcm); err != nil {
			t.Error(err)
			return sent
		}
		if first {
			sent = append(sent, time.Now())
		}
		if err := phone.send(&p); err != nil {
			t.Error(err)
			return sent
		}
		p.SequenceNumber++
		p.Timestamp += 160
	}
	return sent
}

// sendOpusBursts is the Go client's microphone, as sendPCMUBursts in Opus at
// 48 kHz.
func sendOpusBursts(ctx context.Context, t *testing.T, mic *client.LocalTrack, frames int) []time.Time {
	enc, err := codec.NewOpusEncoder(48000)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer enc.Close()
	sine := &tone.Sine{Freq: 440, Rate: 48000, Amplitude: 8000}
	silence := make([]int16, 960)
	var sent []time.Time
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := range frames {
		select {
		case <-ctx.Done():
			return sent
		case <-tick.C:
		}
		pcm := silence
		on, first := burstAt(i, 0)
		if on {
			pcm = sine.Next(960)
		}
		payload, err := enc.Encode(pcm)
		if err != nil {
			t.Error(err)
			return sent
		}
		if first {
			sent = append(sent, time.Now())
		}
		if err := mic.WriteSample(0, media.Sample{Data: payload, Duration: 20 * time.Millisecond}); err != nil {
			t.Error(err)
			return sent
		}
	}
	return sent
}
