// Package netsim is a test helper: a network link with a bandwidth cap, for
// testing how the SFU adapts to a subscriber's downstream.
//
// A Link is a token bucket (the cap, changeable at run time) in front of a
// drop-tail queue bounded in time: datagrams beyond the cap wait in the
// queue, and those that would wait longer than the queue's bound are dropped,
// as a router's buffer does. Net is a Pion transport.Net whose UDP sockets
// receive through a Link: give it to a client's SettingEngine (SetNet) and
// everything the client receives crosses the capped link; what it sends
// (RTCP feedback) is not delayed.
//
//	link := netsim.NewLink(0) // unlimited
//	n, _ := netsim.NewNet(link)
//	se.SetNet(n)
//	...
//	link.SetRate(400_000) // 400 kbit/s from now on
package netsim
