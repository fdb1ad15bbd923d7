// Package webhook tells outside services what happens in rooms: room started and
// finished, participant joined and left, track published and unpublished, and the
// events other packages send with Notifier.Send: recording_started, recording_ended
// and recording_failed (recording/jobs), sip_call_progress for each new state of a
// placed SIP call (signalling/api; Data is the call, Reason its state). Event.Type
// is an open string and Event.Data carries any extra payload.
//
// A Notifier POSTs each event as JSON to every configured URL, signed with an API
// secret: the Ensemble-Signature header holds "t=<unix seconds>,v1=<hex>" where hex is
// HMAC-SHA256(secret, "<unix seconds>.<body>"). Receivers check it with Verify (or
// VerifyRequest), which also refuses timestamps more than Tolerance away, so that a
// captured request cannot be replayed later.
//
// Delivery: one FIFO queue and one sender goroutine per URL. An event is retried with
// exponential back-off until the receiver accepts it (2xx), so events never overtake
// each other (in particular those of one room), and a receiver that is down for a
// while gets everything once it is back — as long as its queue (QueueSize events)
// does not overflow. Overflowing events are dropped, logged and counted
// (ensemble_webhook_events_dropped_total). A 4xx answer other than 408 and 429 means
// the receiver will never take that event: it is logged, counted as failed and skipped.
//
// sfuhooks.Of(n) returns sfu.Hooks whose callbacks only enqueue (a mutex and a
// non-blocking channel send), so the media path never waits on a receiver.
//
//	n, err := webhook.New(webhook.Config{URLs: cfg.Webhooks.URLs, APIKey: key, Secret: secret, Logger: log})
//	engine, err := sfu.NewEngine(ctx, sfu.Config{Hooks: sfuhooks.Of(n), ...})
//	prometheus.MustRegister(n)
//	defer n.Close() // after the engine: Close drops what is still queued
package webhook
