// Package bwalloc shares one subscriber's downstream bandwidth estimate among
// the tracks it receives.
//
// Allocate is a pure function: given the estimate (bits per second) and, for
// each track, its priority, the layers its publisher sends now (with their
// measured bitrates) and the best layer the subscriber asked for, it chooses
// a layer per track or pauses it. Audio always gets its share. Videos are
// served by priority tier: screen shares first, then the active speakers'
// cameras, then the other cameras; a tier gets all it wants before the next
// gets anything, so the screen share stays at full quality while cameras are
// lowered or paused. Within a tier each video first gets its lowest layer, so
// that as many as possible stay visible, then they are raised in turn. A video
// whose lowest layer does not fit is sent at its base temporal layer when it
// has temporal layers, else paused; the decision says why.
//
//	decisions := bwalloc.Allocate(estimate, []bwalloc.Track{
//		{ID: "TR_screen", Priority: bwalloc.PriorityScreen, MaxQuality: vocab.QualityHigh, Bitrates: [3]int{150e3, 500e3, 2e6}},
//		{ID: "TR_cam", Priority: bwalloc.PriorityVideo, MaxQuality: vocab.QualityHigh, Bitrates: [3]int{100e3, 300e3, 1e6}},
//	})
//
// The caller (package sfu) runs it on a timer and on changes, off the media
// path, and applies the decisions to the DownTracks.
package bwalloc
