package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// A participant that publishes a microphone and prints what happens in the room.
// (Compiled, not run: it needs a server and a token.)
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Join(ctx, "http://127.0.0.1:7880", "<token>")
	if err != nil {
		log.Fatalf("join refused (%s): %v", client.ErrorCode(err), err)
	}
	defer c.Close()

	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone}) // Opus
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for _, frame := range [][]byte{ /* 20 ms Opus frames */ } {
			_ = mic.WriteSample(0, media.Sample{Data: frame, Duration: 20 * time.Millisecond})
		}
	}()

	for ev := range c.Events() {
		switch ev := ev.(type) {
		case client.ParticipantJoined:
			fmt.Println("joined:", ev.Participant.Identity)
		case client.TrackSubscribed:
			info := ev.Track.Info()
			fmt.Println("receiving", info.Source, ev.Track.Codec().MimeType, "from", ev.Track.ParticipantSID)
			ev.Track.Discard()
		case client.Closed:
			fmt.Println("session over:", ev.Reason, ev.Err)
			return
		}
	}
}

// A recorder's loop for one received track: packets with their arrival time, the
// sender report that puts them on the publisher's clock, and a key frame asked for
// at the start so that the file begins with a picture.
func ExampleRemoteTrack_ReadPacket() {
	var track *client.RemoteTrack // from a client.TrackSubscribed event
	if track.Kind() == vocab.KindVideo {
		_ = track.RequestKeyframe()
	}
	for {
		p, err := track.ReadPacket()
		if err != nil {
			return // the track ended
		}
		if sr, ok := track.SenderReport(); ok {
			fmt.Println(p.SequenceNumber, "captured at", sr.Time(p.Timestamp), "arrived at", p.Arrival)
		}
	}
}

// A SIP bridge's call leg: it speaks G.711 only, publishes the caller's RTP as it
// comes (PCMU and RFC 4733 DTMF) and receives the room's audio as PCMU.
func ExampleLocalTrack_WriteTelephoneEvent() {
	ctx := context.Background()
	c, err := client.Join(ctx, "http://127.0.0.1:7880", "<token>",
		client.WithCodecs(webrtc.MimeTypePCMU, webrtc.MimeTypePCMA, client.MimeTypeTelephoneEvent))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	caller, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone, MimeType: webrtc.MimeTypePCMU})
	if err != nil {
		log.Fatal(err)
	}
	const dtmfPayloadType = 101 // as the SIP side negotiated it
	var fromSIP []*rtp.Packet   // the caller's RTP stream
	for _, p := range fromSIP {
		if p.PayloadType == dtmfPayloadType {
			err = caller.WriteTelephoneEvent(p)
		} else {
			err = caller.WriteRTP(0, p)
		}
		if err != nil {
			log.Fatal(err)
		}
	}
}

// A bridge's calls keep their media ports in the range its firewall opens: two
// ports per call.
func ExampleWithSettingEngine() {
	for _, token := range []string{"<call 1>", "<call 2>"} {
		c, err := client.Join(context.Background(), "https://meet.example.org", token,
			client.WithSettingEngine(func(se *webrtc.SettingEngine) {
				if err := se.SetEphemeralUDPPortRange(40000, 40199); err != nil {
					log.Fatal(err)
				}
			}))
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
	}
}

// A sender report maps RTP timestamps to the sender's clock: 90 kHz video one
// second after the report.
func ExampleSenderReport_Time() {
	sr := client.SenderReport{
		NTPTime:   time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC),
		RTPTime:   4294960000, // wraps around within the next second
		ClockRate: 90000,
	}
	ts := sr.RTPTime + 90000 // 82704 after the wrap
	fmt.Println(ts, sr.Time(ts).Format(time.TimeOnly))
	// Output: 82704 10:00:01
}
