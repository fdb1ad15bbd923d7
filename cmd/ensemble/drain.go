package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/ensemble-sfu/ensemble/signalling/api"
)

// drainTrigger lets the API start the drain that SIGTERM starts: the request
// returns once the node refuses joins (its /readyz says 503).
type drainTrigger struct {
	self      string
	requested chan struct{} // closed by the first request
	begun     chan struct{} // closed once the drain has started
	ask, tell sync.Once
}

func newDrainTrigger(self string) *drainTrigger {
	return &drainTrigger{self: self, requested: make(chan struct{}), begun: make(chan struct{})}
}

// request is api.Deps.DrainNode.
func (d *drainTrigger) request(ctx context.Context, id string) error {
	if id != d.self {
		return api.ErrUnknownNode
	}
	d.ask.Do(func() { close(d.requested) })
	select {
	case <-d.begun:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the drain to start: %w", ctx.Err())
	}
}

// started says the drain has begun (joins refused, rooms handed over).
func (d *drainTrigger) started() { d.tell.Do(func() { close(d.begun) }) }
