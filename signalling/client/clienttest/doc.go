// Package clienttest holds what tests and the load generator need around the Go
// client of package signalling/client, kept out of the client's own API: a Network
// that cuts the link, breaks the WebSocket or loses chosen packets, and PlayClip,
// which plays the embedded test clips on a published track at their own pace.
//
//	n, _ := clienttest.NewNetwork()
//	c, _ := client.Join(ctx, srv.URL, token, client.WithNet(n))
//	cam, _ := c.PublishTrack(ctx, client.TrackOptions{Source: vocab.SourceCamera})
//	go clienttest.PlayClip(ctx, cam, vp8)
//	n.Cut(2 * time.Second) // media and signalling lost for two seconds; the client resumes
package clienttest
