// Package jobs runs the recordings that the HTTP API asks for, and keeps their
// state in the store (package store) so that it outlives the process.
//
// A Runner takes requests (Start, Stop) and records: each recording is a
// recording.Recorder that joins the room through the server's own URL with a
// recorder token it signs, and, at stop, composes (composing), moves the files
// to their storage (uploading), then reports them (complete). Every change of
// status is written to the store before anything else hears of it, and sent as
// a webhook (recording_started, recording_ended with the files,
// recording_failed with the reason).
//
// A recording found unfinished in the store when its node starts (Recover)
// was interrupted: it is marked failed, with the files found on disk listed as
// partial, never lost silently; with an object storage, those partial files
// (and those of a recording failed while its node was lost, cluster.go) are
// then moved there in the background (salvage.go). A record worker's recording holds a lease
// that the worker renews at each poll (RenewLease, listing its files so far);
// when the worker dies or loses the server the lease lapses and the server's
// WatchLeases marks the recording failed with those files as partial
// (ExpireLeases), so nothing stays "recording" for ever.
//
// Where recordings run. By default inside `ensemble serve` (Config.Record). With
// record workers (`ensemble record-worker`), the server only queues the jobs
// (Node empty) and a worker claims one atomically (Claim: a compare-and-swap
// on Node), records it with its own Runner and reports its state through the
// API (package api's report route), so recording scales apart from
// forwarding.
//
// Limits: at most Config.MaxConcurrent recordings at once on a node (ErrBusy:
// the API answers 503 with Retry-After), and no start with less than
// Config.MinFreeBytes free in the recordings directory (ErrNoSpace).
//
// Composition needs ffmpeg. Without it the node starts all the same, logs
// that composition is unavailable, and a recording that asked for one ends
// complete with its per-track files and the reason in Recording.Reason.
package jobs
