package jobs

import (
	"context"
	"encoding/json"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// Webhook event types of recordings. Data carries the recording as the API
// shows it (GET /api/v1/recordings/{id}).
const (
	RecordingStarted webhook.EventType = "recording_started"
	RecordingEnded   webhook.EventType = "recording_ended"
	RecordingFailed  webhook.EventType = "recording_failed"
)

// Ledger is where a recording's state is written: the store on a server, the
// server's API for a record worker.
type Ledger interface {
	// Update applies update to the recording's current state and stores the
	// result atomically, as store.Store.UpdateRecording does.
	Update(ctx context.Context, id string, update func(r *store.Recording) error) (store.Recording, error)
}

// StoreLedger writes to a store and tells the webhooks of each change of
// status (Notify).
type StoreLedger struct {
	Store    store.Store
	Webhooks *webhook.Notifier
}

// Update implements Ledger.
func (l StoreLedger) Update(ctx context.Context, id string, update func(r *store.Recording) error) (store.Recording, error) {
	var before store.RecordingStatus
	after, err := l.Store.UpdateRecording(ctx, id, func(r *store.Recording) error {
		before = r.Status // the last attempt's is the one that was replaced
		return update(r)
	})
	if err != nil {
		return after, err
	}
	Notify(l.Webhooks, before, after)
	return after, nil
}

// Notify sends the webhook of a change of status from before to after's:
// recording_started on entering recording, recording_ended on complete (with
// the files), recording_failed on failed (with the reason). Nothing for other
// changes, nor without a notifier.
func Notify(n *webhook.Notifier, before store.RecordingStatus, after store.Recording) {
	if n == nil || before == after.Status {
		return
	}
	var typ webhook.EventType
	switch after.Status {
	case store.RecordingRecording:
		typ = RecordingStarted
	case store.RecordingComplete:
		typ = RecordingEnded
	case store.RecordingFailed:
		typ = RecordingFailed
	default:
		return
	}
	data, err := json.Marshal(after)
	if err != nil {
		return // a Recording always encodes; nothing sensible to send otherwise
	}
	n.Send(webhook.Event{Type: typ, Room: &protocol.RoomInfo{Name: after.Room}, Reason: after.Reason, Data: data})
}
