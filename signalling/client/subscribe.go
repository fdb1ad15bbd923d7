package client

import (
	"context"
	"fmt"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// RemoteTrack returns the received track with this SID.
func (c *Client) RemoteTrack(trackSID string) (*RemoteTrack, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.remote[trackSID]
	return t, ok
}

// forgetRemoteLocked drops the received track sid and its layer streams
// (c.mu held).
func (c *Client) forgetRemoteLocked(sid string) {
	delete(c.remote, sid)
	for _, q := range vocab.Qualities() {
		delete(c.remote, vocab.LayerTrackID(sid, q))
	}
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
			c.forgetRemoteLocked(sid)
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
	// From, for a relay only (package cascade), sends the message on behalf
	// of this participant of the relay's node ("" for its server).
	From *string
}

// SendData sends a data message through the server.
func (c *Client) SendData(ctx context.Context, payload []byte, o DataOptions) error {
	if o.Kind == "" {
		o.Kind = vocab.DataReliable
	}
	_, err := c.request(ctx, protocol.TypeSendData, protocol.SendDataRequest{
		Kind: o.Kind, Topic: o.Topic, Payload: payload, DestinationIdentities: o.To, FromIdentity: o.From,
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
