// Package sendbwe is the send-side bandwidth estimator of a subscriber's
// link, from its transport-wide congestion control feedback (TWCC): the
// delay-based and loss-based controllers of the GCC draft
// (draft-ietf-rmcat-gcc-02), read from the wire without allocating.
//
// An Estimator records each packet sent with its transport-wide sequence
// number (a slot in a fixed ring, under a short lock) and reads the RTCP the
// receiver sends back (ReadRTCP walks a compound packet by its lengths and
// parses transport-wide feedback and REMB in place). From the feedback it
// keeps:
//
//   - a target bitrate (Target): multiplicative increase while the delay is
//     steady, additive near the rate where the link last congested, capped at
//     1.5 times what the receiver acknowledged; on overuse 0.85 times the
//     acknowledged rate; lowered by half the loss ratio above 10 % loss;
//   - whether the link is congested now (Congested), for the caller to check
//     against fresh evidence;
//   - cumulative counts of packets sent, received and lost (Totals), and how
//     long the latest packets waited in a queue that was empty lately
//     (DelayGrowth), by which a probe is judged on its own packets.
//
// The counts are cumulative and the queue reading comes from recent feedback
// only, so a reader that compares two readings sees just what happened in
// between. That matters because the target and the congestion flag change
// only with the feedback read: a subscriber whose videos are paused receives
// no media and sends none, so they can date from before the pause.
//
// Telling a machine starved of CPU from a congested link is the caller's
// part (package starvation): both show as packets arriving later and later.
package sendbwe
