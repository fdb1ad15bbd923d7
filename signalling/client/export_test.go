package client

import "github.com/pion/webrtc/v4"

// PublisherPCForTest and SubscriberPCForTest expose a client's two connections to
// tests that check where their media goes.
func PublisherPCForTest(c *Client) *webrtc.PeerConnection  { return c.pub }
func SubscriberPCForTest(c *Client) *webrtc.PeerConnection { return c.sub }
