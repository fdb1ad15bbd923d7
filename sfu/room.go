package sfu

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// Room is a set of participants who can publish to and subscribe from each other.
// Membership changes take the room's lock; events and peer-connection work happen
// outside it, so a slow participant never holds up the room.
type Room struct {
	engine    *Engine
	name      string
	sid       string
	createdAt time.Time
	log       *slog.Logger

	mu              sync.Mutex
	metadata        string
	participants    map[string]*Participant // by identity
	closing         bool                    // set once, under mu, when the room decides to close
	emptyTimeout    time.Duration           // how long the room stays open with nobody in it
	maxParticipants int                     // the room's own cap (SetMaxParticipants); 0: none
	emptyTimer      *time.Timer             // running while the room is empty and waits to close

	closeOnce sync.Once
	done      chan struct{} // closed when the room starts closing
	cleaned   chan struct{} // closed when every goroutine of the room has ended
	wg        sync.WaitGroup
	activity  *roomActivity
}

func newRoom(e *Engine, name string) *Room {
	r := &Room{
		engine:       e,
		name:         name,
		sid:          newSID("RM_"),
		createdAt:    time.Now(),
		participants: map[string]*Participant{},
		done:         make(chan struct{}),
		cleaned:      make(chan struct{}),
	}
	r.log = e.log.With("room", name, "room_sid", r.sid)
	r.activity = newRoomActivity(r)
	return r
}

func (r *Room) start() {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.activity.run(r.done)
	}()
}

// Name is the room's name (unique in its engine while open).
func (r *Room) Name() string { return r.name }

// Info describes the room.
func (r *Room) Info() vocab.RoomInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return vocab.RoomInfo{
		SID:             r.sid,
		Name:            r.name,
		Metadata:        r.metadata,
		CreatedAt:       r.createdAt,
		MaxParticipants: r.capacityLocked(),
		NumParticipants: r.countedLocked(""),
		Recording:       r.recordingLocked(),
	}
}

// SetMetadata changes the room's metadata; participants get no event for now.
func (r *Room) SetMetadata(metadata string) {
	r.mu.Lock()
	r.metadata = metadata
	r.mu.Unlock()
}

// SetEmptyTimeout keeps the room open for d after its last participant leaves, so that
// someone who rejoins (a page reload, a meeting's next arrival) finds the same room;
// 0 closes it at once, the default.
func (r *Room) SetEmptyTimeout(d time.Duration) {
	r.mu.Lock()
	r.emptyTimeout = max(d, 0)
	r.mu.Unlock()
}

// Done is closed once the room is closed.
func (r *Room) Done() <-chan struct{} { return r.done }

// Join adds a participant. An existing participant with the same identity is
// closed first with ReasonDuplicateIdentity; the others see it leave and the new
// one join, in that order. A relayed one is closed on its node too
// (relayidentity.go).
func (r *Room) Join(params JoinParams) (*Participant, error) {
	if params.Identity == "" {
		return nil, fmt.Errorf("%w: empty identity", ErrInvalidArgument)
	}
	if params.Sink == nil {
		return nil, fmt.Errorf("%w: nil event sink", ErrInvalidArgument)
	}
	if !params.Kind.Valid() {
		return nil, fmt.Errorf("%w: participant kind %q", ErrInvalidArgument, params.Kind)
	}
	params.Kind = params.Kind.OrStandard()
	params.Permissions = kindPermissions(params.Kind, params.Permissions)
	r.mu.Lock()
	if err := r.admitLocked(params.Identity, params.Permissions); err != nil {
		r.mu.Unlock()
		return nil, err
	}
	old := r.participants[params.Identity]
	if r.emptyTimer != nil && params.Kind != vocab.ParticipantRecorder { // someone came back before the empty room closed
		r.emptyTimer.Stop()
		r.emptyTimer = nil
	}
	// Registered before its peer connections exist so that the room cannot close
	// itself in between (its last participant leaving concurrently).
	p := newParticipant(r, params)
	r.participants[params.Identity] = p
	r.mu.Unlock()
	r.engine.stats.participants.Add(1) // Close takes it back, whatever happens next

	err := p.open()
	if old != nil {
		// Out of the room's participants already, whatever becomes of p:
		// closed here or, for a relayed one, on its node too.
		r.replaceOlder(old)
	}
	if err != nil {
		if p.isClosed() {
			// A newer session of its identity replaced it as it opened:
			// it joined and was replaced, as its sink's Closed says.
			return p, nil
		}
		p.Close(vocab.ReasonTransportFailure)
		return nil, err
	}
	info, ok := r.announce(p)
	if !ok {
		// Closed while joining (a newer session of its identity replaced
		// it, on this node or another): its sink has its Closed.
		return p, nil
	}
	if params.Kind == vocab.ParticipantRecorder {
		r.broadcast(RoomUpdated{Room: r.Info()}, nil) // everyone knows the room is recorded
	}
	if h := r.engine.cfg.Hooks.ParticipantJoined; h != nil {
		h(r.Info(), info)
	}
	if params.AutoSubscribe {
		p.subscribeToAll()
	}
	if !params.ClientOffers {
		p.sub.start()
	}
	p.log.Info("participant joined")
	return p, nil
}

// Participant returns the participant with this identity.
func (r *Room) Participant(identity string) (*Participant, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.participants[identity]
	return p, ok
}

// Participants describes every participant, hidden ones included (callers filter
// with .Hidden before telling clients).
func (r *Room) Participants() []vocab.ParticipantInfo {
	ps := r.snapshot()
	infos := make([]vocab.ParticipantInfo, 0, len(ps))
	for _, p := range ps {
		infos = append(infos, p.Info())
	}
	return infos
}

// SendData sends a data message from the server to DestinationIdentities, or to
// everyone when that is empty.
func (r *Room) SendData(pkt DataPacket) {
	pkt.FromSID, pkt.FromIdentity = "", ""
	r.routeData(pkt, nil)
}

// routeData delivers pkt to its destinations, never back to from nor, when
// from is a relayed participant, to its relay (the node it came from). A
// relayed destination's message goes to its relay, once per relay; only relays
// are told the destinations (to route the message on, on their node).
func (r *Room) routeData(pkt DataPacket, from *Participant) {
	toRelay := DataReceived{Packet: pkt}
	pkt.DestinationIdentities = nil
	toPerson := DataReceived{Packet: pkt}
	deliver := func(p *Participant) {
		if p.kind == vocab.ParticipantRelay {
			p.send(toRelay)
		} else {
			p.send(toPerson)
		}
	}
	var fromRelay *Participant
	if from != nil {
		fromRelay = from.relay
	}
	if len(toRelay.Packet.DestinationIdentities) == 0 {
		for _, p := range r.snapshot() {
			if (from != nil && p.identity == from.identity) || (fromRelay != nil && p == fromRelay) {
				continue
			}
			deliver(p)
		}
		return
	}
	sent := map[*Participant]bool{}
	for _, id := range toRelay.Packet.DestinationIdentities {
		p, ok := r.Participant(id)
		if !ok || p == from {
			continue
		}
		if p.relay != nil {
			p = p.relay // on its own node
		}
		if sent[p] || p == fromRelay || p == from {
			continue
		}
		sent[p] = true
		deliver(p)
	}
}

// Close closes every participant with reason (each gets Closed{reason}) and
// removes the room from the engine. It returns once the room's goroutines ended.
func (r *Room) Close(reason vocab.CloseReason) {
	first := false
	r.closeOnce.Do(func() {
		first = true
		r.mu.Lock()
		r.closing = true
		if r.emptyTimer != nil {
			r.emptyTimer.Stop()
		}
		r.mu.Unlock()
		// A closing room takes no one in: the name is free for a new room at
		// once. Forgotten before Done is closed, so that whoever waits on
		// Done finds the engine without it (TestRoomEmptyTimeout saw it
		// still there once in a clean-clone run).
		r.engine.forgetRoom(r)
		close(r.done)
	})
	if !first {
		<-r.cleaned
		return
	}
	for _, p := range r.snapshot() {
		p.Close(reason)
	}
	r.wg.Wait()
	r.log.Info("room closed", "reason", string(reason))
	close(r.cleaned)
	r.engine.roomClosed(r)
}

// announce tells the others p joined, unless p closed already: a participant
// closed while joining is neither announced nor said to leave. It holds
// p.announceMu, as participantLeft does to tell of its leave, so that nobody
// hears of the leave before the join (p replaced by a newer session of its
// identity as it joins: two joins at once, on one node or two).
func (r *Room) announce(p *Participant) (vocab.ParticipantInfo, bool) {
	p.announceMu.Lock()
	defer p.announceMu.Unlock()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return vocab.ParticipantInfo{}, false
	}
	info := p.Info()
	p.announced.Store(true)
	if !info.Hidden {
		r.broadcast(ParticipantJoined{Participant: info}, p)
	}
	return info, true
}

// removeParticipant forgets p (unless a newer participant with its identity
// replaced it) and reports whether the room is now empty.
func (r *Room) removeParticipant(p *Participant) (empty bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.participants[p.identity] == p {
		delete(r.participants, p.identity)
	}
	return r.emptyLocked() && !r.closing
}

// participantLeft announces p's departure and closes the room when it was the last.
func (r *Room) participantLeft(p *Participant, info vocab.ParticipantInfo, reason vocab.CloseReason, empty bool) {
	if p.relay == nil { // a ghost is counted on its own node
		r.engine.stats.participants.Add(-1)
	}
	p.announceMu.Lock()
	announced := p.announced.Load()
	if announced && !info.Hidden {
		r.broadcast(ParticipantLeft{Participant: info, Reason: reason}, p)
	}
	p.announceMu.Unlock()
	if announced {
		if p.kind == vocab.ParticipantRecorder {
			r.broadcast(RoomUpdated{Room: r.Info()}, p)
		}
		if h := r.engine.cfg.Hooks.ParticipantLeft; h != nil && p.relay == nil {
			h(r.Info(), info, reason)
		}
	}
	if empty {
		r.closeWhenEmpty()
	}
}

// closeWhenEmpty closes the room now or, with an empty timeout, once it has stayed
// empty that long; either way only if it is still empty then (closeIfEmpty), as
// someone may have joined since the last one left.
func (r *Room) closeWhenEmpty() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.emptyLocked() || r.closing {
		return
	}
	if r.emptyTimeout <= 0 {
		// Closing waits for the room's goroutines; a participant closing from one of
		// them (a transport failure) must not wait for itself.
		go r.closeIfEmpty()
		return
	}
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
	}
	r.emptyTimer = time.AfterFunc(r.emptyTimeout, r.closeIfEmpty)
}

// isClosing reports whether the room decided to close.
func (r *Room) isClosing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}

// snapshot lists the current participants.
func (r *Room) snapshot() []*Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	return ps
}

// broadcast sends ev to every participant except the ones sharing except's
// identity (a participant and the one replacing it) and, when except is a
// relayed participant, its relay: what a relay put in the room never goes
// back to the node it came from (relay.go).
func (r *Room) broadcast(ev Event, except *Participant) {
	for _, p := range r.snapshot() {
		if except != nil && (p.identity == except.identity || except.relay == p) {
			continue
		}
		p.send(ev)
	}
}

// findTrack looks a published track up by SID among all participants.
func (r *Room) findTrack(sid string) (*Participant, *publishedTrack) {
	for _, p := range r.snapshot() {
		if t := p.publishedTrack(sid); t != nil {
			return p, t
		}
	}
	return nil, nil
}
