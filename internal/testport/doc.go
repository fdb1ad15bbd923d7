// Package testport picks loopback ports for tests that must tell a program
// which port to listen on (a SIP bridge on UDP and TCP at once, a user agent
// that cannot report the port it picked).
//
// A port the kernel picks (":0") comes from the ephemeral range, where every
// outgoing connection also takes its local port: between the pick and the
// program's bind, the test's own HTTP or Redis connections could take it, and
// the TCP twin of a free UDP port is often taken already. The ports here come
// from below the ephemeral range (read from /proc), so only another explicit
// bind can take them, and each is checked free on UDP and TCP.
package testport
