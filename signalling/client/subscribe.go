package client

import (
	"context"
	"fmt"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// RemoteTrack is a track of another participant that the client receives.
type RemoteTrack struct {
	// ParticipantSID is the publisher's SID, TrackSID the track's (the server sets
	// them as the WebRTC stream id and track id).
	ParticipantSID string
	TrackSID       string
	// Track and Receiver are Pion's: read RTP from Track.
	Track    *webrtc.TrackRemote
	Receiver *webrtc.RTPReceiver
}

// Kind is audio or video.
func (t *RemoteTrack) Kind() vocab.Kind {
	if t.Track.Kind() == webrtc.RTPCodecTypeAudio {
		return vocab.KindAudio
	}
	return vocab.KindVideo
}

// ReadRTP reads the next packet (blocks; fails once the track ends).
func (t *RemoteTrack) ReadRTP() (*rtp.Packet, error) {
	p, _, err := t.Track.ReadRTP()
	return p, err
}

// Discard reads and drops the track's media until it ends, for consumers that do
// not want it; the goroutine ends with the track.
func (t *RemoteTrack) Discard() {
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := t.Track.Read(buf); err != nil {
				return
			}
		}
	}()
}

func (c *Client) onTrack(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	rt := &RemoteTrack{ParticipantSID: tr.StreamID(), TrackSID: tr.ID(), Track: tr, Receiver: recv}
	c.mu.Lock()
	closed := c.closed
	if !closed {
		c.remote[rt.TrackSID] = rt
	}
	c.mu.Unlock()
	if closed {
		return
	}
	c.log.Debug("track subscribed", "publisher", rt.ParticipantSID, "track", rt.TrackSID, "kind", tr.Kind().String())
	c.events.push(TrackSubscribed{Track: rt})
}

// RemoteTrack returns the received track with this SID.
func (c *Client) RemoteTrack(trackSID string) (*RemoteTrack, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.remote[trackSID]
	return t, ok
}

// Subscribe asks for tracks of others (needed with WithAutoSubscribe(false)).
func (c *Client) Subscribe(ctx context.Context, trackSIDs ...string) error {
	_, err := c.request(ctx, protocol.TypeSubscribe, protocol.SubscribeRequest{TrackSIDs: trackSIDs, Subscribe: true})
	return err
}

// Unsubscribe stops receiving tracks.
func (c *Client) Unsubscribe(ctx context.Context, trackSIDs ...string) error {
	_, err := c.request(ctx, protocol.TypeSubscribe, protocol.SubscribeRequest{TrackSIDs: trackSIDs, Subscribe: false})
	if err == nil {
		c.mu.Lock()
		for _, sid := range trackSIDs {
			delete(c.remote, sid)
		}
		c.mu.Unlock()
	}
	return err
}

// SubscriptionSettings say what the client wants of a subscribed track.
type SubscriptionSettings struct {
	Paused bool
	// Quality picks a simulcast layer; Width and Height let the server pick for a
	// tile of that size. Nil and zero: the server decides.
	Quality       *vocab.Quality
	Width, Height int
}

// UpdateSubscription pauses, resumes or changes the quality of a subscription.
func (c *Client) UpdateSubscription(ctx context.Context, trackSID string, s SubscriptionSettings) error {
	_, err := c.request(ctx, protocol.TypeUpdateSubscription, protocol.UpdateSubscriptionRequest{
		TrackSID: trackSID, Paused: s.Paused, Quality: protocol.OptionalQualityName(s.Quality), Width: s.Width, Height: s.Height,
	})
	return err
}

// DataOptions say how a data message travels.
type DataOptions struct {
	// Kind is reliable (default) or lossy.
	Kind  vocab.DataKind
	Topic string
	// To lists destination identities; empty means everyone else in the room.
	To []string
}

// SendData sends a data message through the server.
func (c *Client) SendData(ctx context.Context, payload []byte, o DataOptions) error {
	if o.Kind == "" {
		o.Kind = vocab.DataReliable
	}
	_, err := c.request(ctx, protocol.TypeSendData, protocol.SendDataRequest{
		Kind: o.Kind, Topic: o.Topic, Payload: payload, DestinationIdentities: o.To,
	})
	return err
}

// UpdateMetadata changes the participant's own name and/or metadata (nil: unchanged).
func (c *Client) UpdateMetadata(ctx context.Context, name, metadata *string) error {
	if _, err := c.request(ctx, protocol.TypeUpdateMetadata, protocol.UpdateMetadataRequest{Name: name, Metadata: metadata}); err != nil {
		return err
	}
	c.mu.Lock()
	if name != nil {
		c.self.Name = *name
	}
	if metadata != nil {
		c.self.Metadata = *metadata
	}
	c.mu.Unlock()
	return nil
}

// Ping measures the signalling round trip.
func (c *Client) Ping(ctx context.Context) error {
	msg, err := c.request(ctx, protocol.TypePing, protocol.PingMessage{})
	if err != nil {
		return err
	}
	if msg.Type != protocol.TypePong {
		return fmt.Errorf("%w: ping answered with %q", ErrUnexpectedMessage, msg.Type)
	}
	return nil
}
