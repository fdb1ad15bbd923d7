// Package probe reads what a subscriber's transport-wide congestion control
// feedback (TWCC) says of the packets sent to it: how many arrived, how many
// were lost, and whether their one-way delay is growing (a queue filling).
//
// The send-side estimator's state is a poor judge on its own. It is built
// from the feedback it has seen, and a subscriber whose videos are paused
// receives no media: the estimator's last word (overuse, a decrease, a loss
// average) then dates from before the pause, sometimes seconds old. Probes
// sent into a link that had since recovered were failed by it again and
// again, and a probe that succeeded was undone by it at once. A Meter's
// counts are cumulative and its delay reading comes from recent feedback
// only, so a reader that compares two readings sees just what happened in
// between: a probe is judged by its own packets, and a congestion signal is
// believed only when fresh feedback shows loss or a queue.
//
// Recording a packet takes a short lock and reading feedback allocates
// nothing.
package probe
