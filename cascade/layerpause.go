package cascade

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// layerPauser keeps the layer streams of one relayed simulcast track paused at
// their source while the other node receives nothing of that layer: its
// dynacast turned the layer off at the bridge (client.TrackOptions.OnLayerEnabled),
// so the stream would cross between the nodes to be dropped there. A paused
// stream is a paused subscription on the source's node: the layer stops there,
// and its resume waits for a key frame, which the source's node asks for.
//
// The dynacast's changes come on the client's event goroutine, which must not
// wait for a round trip to the other node; run applies the last wanted state of
// each layer, so that an off and on in quick succession ends on.
type layerPauser struct {
	from    *client.Client
	streams []*client.RemoteTrack // by layer, as published
	log     *slog.Logger

	paused  []atomic.Bool // wanted, by layer
	applied []bool        // as the source's node has it (run's own)
	kick    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newLayerPauser(from *client.Client, streams []*client.RemoteTrack, log *slog.Logger) *layerPauser {
	return &layerPauser{from: from, streams: streams, log: log,
		paused: make([]atomic.Bool, len(streams)), applied: make([]bool, len(streams)),
		kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// set is client.TrackOptions.OnLayerEnabled.
func (lp *layerPauser) set(layer int, enabled bool) {
	if layer < 0 || layer >= len(lp.streams) {
		return
	}
	lp.paused[layer].Store(!enabled)
	select {
	case lp.kick <- struct{}{}:
	default:
	}
}

// stop ends run (the track stopped crossing).
func (lp *layerPauser) stop() { lp.once.Do(func() { close(lp.done) }) }

// run applies the wanted states until ctx ends or stop.
func (lp *layerPauser) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-lp.done:
			return
		case <-lp.kick:
		}
		for i, rt := range lp.streams {
			want := lp.paused[i].Load()
			if want == lp.applied[i] {
				continue
			}
			q := streamQuality(rt)
			key := rt.TrackSID
			if rt.LayerOnly {
				key = vocab.LayerTrackID(rt.TrackSID, rt.Layer)
			}
			rctx, cancel := context.WithTimeout(ctx, publishTimeout)
			err := lp.from.UpdateSubscription(rctx, key, client.SubscriptionSettings{Paused: want, Quality: &q})
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					lp.log.Debug("relayed layer not paused or resumed at its source; trying again", "stream", key, "paused", want, "err", err)
					time.AfterFunc(time.Second, func() { lp.set(i, !lp.paused[i].Load()) })
				}
				continue
			}
			lp.applied[i] = want
			lp.log.Debug("relayed layer at its source", "stream", key, "paused", want)
		}
	}
}
