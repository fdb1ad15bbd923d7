package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/clips"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/signalling/client/clip"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// A participant that publishes the test clips (VP8 simulcast and Opus) and prints
// what happens in the room. (Compiled, not run: it needs a server and a token.)
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Join(ctx, "http://127.0.0.1:7880", "<token>")
	if err != nil {
		log.Fatalf("join refused (%s): %v", client.ErrorCode(err), err)
	}
	defer c.Close()

	var layers []*clip.Clip
	for _, b := range clips.VP8Layers() {
		l, err := clip.ParseIVF(b)
		if err != nil {
			log.Fatal(err)
		}
		layers = append(layers, l)
	}
	cam, err := c.PublishTrack(ctx, client.TrackOptions{
		Source: vocab.SourceCamera, Width: 1280, Height: 720,
		Layers: []vocab.LayerInfo{{Width: 320, Height: 180}, {Width: 640, Height: 360}, {Width: 1280, Height: 720}},
	})
	if err != nil {
		log.Fatal(err)
	}
	go client.PlayClip(ctx, cam, layers...)

	opus, _ := clip.ParseOgg(clips.Opus)
	mic, err := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceMicrophone})
	if err != nil {
		log.Fatal(err)
	}
	go client.PlayClip(ctx, mic, opus)

	for ev := range c.Events() {
		switch ev := ev.(type) {
		case client.ParticipantJoined:
			fmt.Println("joined:", ev.Participant.Identity)
		case client.TrackSubscribed:
			fmt.Println("receiving", ev.Track.TrackSID, "from", ev.Track.ParticipantSID)
			ev.Track.Discard()
		case client.Closed:
			fmt.Println("session over:", ev.Reason, ev.Err)
			return
		}
	}
}
