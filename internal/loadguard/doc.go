// Package loadguard tells whether a node is past the CPU or forwarding budget its
// operator set, so that new joins are refused (503 with Retry-After, another node
// or a later try) instead of every meeting on the node degrading together.
//
// A Guard samples the process's CPU time and the engine's bytes sent once a second
// and keeps the last rates; Check is a cheap read of them. Without a budget no
// goroutine runs: an idle server pays nothing for the guard.
package loadguard
