package sfu

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// JoinParams describe a participant joining a room.
type JoinParams struct {
	Identity, Name, Metadata string
	// Kind says what the participant is; empty is standard. A recorder is
	// always hidden.
	Kind        vocab.ParticipantKind
	Permissions vocab.Permissions
	// AutoSubscribe subscribes to every current and future track of the others.
	AutoSubscribe bool
	// Sink receives the participant's events; it must not block.
	Sink EventSink
	// VideoCodecs are the video codecs (MIME types) the participant decodes;
	// nil is every codec the server accepts. A video in another codec reaches
	// it through the track's backup (backup.go), which the server asks its
	// publisher for while such a participant is in the room.
	VideoCodecs []string
	// ClientOffers says the client offers on both connections (WHIP, WHEP):
	// the server sends no SubscriberOffer, and AnswerSubscriberOffer answers the
	// client's offer for the tracks subscribed before it.
	ClientOffers bool
}

// Participant is one member of a room with its two peer connections: the
// publisher (media from the client) and the subscriber (media to the client).
type Participant struct {
	room          *Room
	log           *slog.Logger
	sid, identity string
	joinedAt      time.Time
	autoSubscribe bool
	clientOffers  bool
	kind          vocab.ParticipantKind
	videoCodecs   []string // JoinParams.VideoCodecs; nil: all
	// counted mirrors countsTowardCapacity(perms), readable under the room's
	// lock without the participant's.
	counted atomic.Bool

	mu       sync.Mutex // guards the fields below
	name     string
	metadata string
	perms    vocab.Permissions
	tracks   []*publishedTrack        // in the order they were requested
	subs     map[string]*subscription // by track SID
	closed   bool
	// On a relay: its ghosts by identity, and the ghost each of its streams
	// (by client track id) is for (relay.go).
	ghosts  map[string]*Participant
	relayed map[string]*Participant
	// On a relay: the identities whose ghost a newer session replaced here
	// and whose leave the relay has not told yet (relayidentity.go).
	replaced map[string]bool

	// relay is set on a ghost: the relay whose publisher connection carries
	// its tracks. Set before the ghost is known to anyone, never changed.
	relay *Participant
	// declared, on a ghost: its relay declared it (DeclareRelayed), so it
	// stays without tracks until its relay removes it. Under mu.
	declared bool
	// forgotten, on a ghost: it left its relay's ghosts (removed, replaced,
	// its last track gone), once. Under its relay's mu (relayidentity.go).
	forgotten bool

	sinkMu     sync.Mutex // serializes events so that they arrive in order
	sink       EventSink
	sinkClosed bool

	pub *publisherConn
	sub *subscriberConn

	announced atomic.Bool    // the others were told it joined
	bandwidth bandwidthStats // the allocator's last figures (as subscriber)

	// announceMu orders the others' news of its join and of its leave
	// (Room.announce, Room.participantLeft).
	announceMu sync.Mutex

	closeOnce sync.Once
	done      chan struct{}
	closedAll chan struct{} // closed when Close has finished its work
}

func newParticipant(r *Room, params JoinParams) *Participant {
	p := &Participant{
		room:          r,
		sid:           newSID("PA_"),
		identity:      params.Identity,
		joinedAt:      time.Now(),
		autoSubscribe: params.AutoSubscribe,
		videoCodecs:   slices.Clone(params.VideoCodecs),
		clientOffers:  params.ClientOffers,
		kind:          params.Kind,
		name:          params.Name,
		metadata:      params.Metadata,
		perms:         clonePermissions(params.Permissions),
		subs:          map[string]*subscription{},
		ghosts:        map[string]*Participant{},
		relayed:       map[string]*Participant{},
		sink:          params.Sink,
		done:          make(chan struct{}),
		closedAll:     make(chan struct{}),
	}
	p.counted.Store(countsTowardCapacity(p.perms))
	p.log = r.log.With("participant", params.Identity, "participant_sid", p.sid)
	return p
}

// open creates the two peer connections.
func (p *Participant) open() error {
	pub, err := newPublisherConn(p)
	if err != nil {
		return err
	}
	sub, err := newSubscriberConn(p)
	if err != nil {
		_ = pub.close()
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = pub.close()
		_ = sub.close()
		return ErrParticipantClosed
	}
	p.pub, p.sub = pub, sub
	return nil
}

func clonePermissions(perms vocab.Permissions) vocab.Permissions {
	perms.Sources = slices.Clone(perms.Sources)
	return perms
}

// SID is the server-assigned id of this session.
func (p *Participant) SID() string { return p.sid }

// Identity is the participant's identity (unique in its room).
func (p *Participant) Identity() string { return p.identity }

// Kind is what the participant is, fixed at its join.
func (p *Participant) Kind() vocab.ParticipantKind { return p.kind }

// Done is closed once the participant is closed.
func (p *Participant) Done() <-chan struct{} { return p.done }

// Info describes the participant with its live tracks.
func (p *Participant) Info() vocab.ParticipantInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	info := vocab.ParticipantInfo{
		SID:      p.sid,
		Identity: p.identity,
		Name:     p.name,
		Metadata: p.metadata,
		JoinedAt: p.joinedAt,
		Kind:     p.kind,
		Hidden:   p.perms.Hidden,
		Tracks:   []vocab.TrackInfo{},
	}
	for _, t := range p.tracks {
		if t.live && t.backupOf == nil { // a backup is shown as its primary's BackupMimeType
			info.Tracks = append(info.Tracks, t.infoLocked())
		}
	}
	return info
}

// Permissions returns what the participant may do.
func (p *Participant) Permissions() vocab.Permissions {
	p.mu.Lock()
	defer p.mu.Unlock()
	return clonePermissions(p.perms)
}

// SetPermissions changes what the participant may do from now on. Tracks already
// published and subscriptions already made are kept.
func (p *Participant) SetPermissions(perms vocab.Permissions) {
	p.mu.Lock()
	p.perms = clonePermissions(kindPermissions(p.kind, perms))
	p.counted.Store(countsTowardCapacity(p.perms))
	p.mu.Unlock()
}

// UpdateInfo changes the participant's name and/or metadata (nil keeps the
// value); the others get ParticipantUpdated.
func (p *Participant) UpdateInfo(name, metadata *string) error {
	return p.updateInfo(name, metadata, false)
}

// updateInfo is UpdateInfo; admin (SetInfo) changes them whatever p's
// CanUpdateMetadata.
func (p *Participant) updateInfo(name, metadata *string, admin bool) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrParticipantClosed
	}
	if !admin && !p.perms.CanUpdateMetadata {
		p.mu.Unlock()
		return fmt.Errorf("%w: cannot update metadata", ErrPermissionDenied)
	}
	if name != nil {
		p.name = *name
	}
	if metadata != nil {
		p.metadata = *metadata
	}
	hidden := p.perms.Hidden
	p.mu.Unlock()
	if !hidden {
		p.room.broadcast(ParticipantUpdated{Participant: p.Info()}, p)
	}
	return nil
}

// SendData sends a data message to DestinationIdentities, or to everyone else
// when that is empty.
func (p *Participant) SendData(pkt DataPacket) error {
	p.mu.Lock()
	closed, allowed := p.closed, p.perms.CanPublishData
	p.mu.Unlock()
	if closed {
		return ErrParticipantClosed
	}
	if !allowed {
		return fmt.Errorf("%w: cannot publish data", ErrPermissionDenied)
	}
	if pkt.Kind == "" {
		pkt.Kind = vocab.DataReliable
	}
	if pkt.Kind != vocab.DataReliable && pkt.Kind != vocab.DataLossy {
		return fmt.Errorf("%w: data kind %q", ErrInvalidArgument, pkt.Kind)
	}
	pkt.FromSID, pkt.FromIdentity = p.sid, p.identity
	p.room.routeData(pkt, p)
	return nil
}

// Resume continues the session on a new sink (a reconnected client): the server
// sends a SubscriberOffer with ICERestart=true, and the client restarts ICE on
// its publisher connection with a new offer. Media, tracks and subscriptions are
// kept; the others notice nothing.
func (p *Participant) Resume(sink EventSink) error {
	if sink == nil {
		return fmt.Errorf("%w: nil event sink", ErrInvalidArgument)
	}
	p.sinkMu.Lock()
	if p.sinkClosed {
		p.sinkMu.Unlock()
		return ErrParticipantClosed
	}
	p.sink = sink
	p.sinkMu.Unlock()
	p.log.Info("participant resumed")
	return p.sub.restartICE()
}

// send delivers ev to the participant's sink, in order; nothing follows Closed.
func (p *Participant) send(ev Event) {
	p.sinkMu.Lock()
	defer p.sinkMu.Unlock()
	if p.sinkClosed {
		return
	}
	if _, ok := ev.(Closed); ok {
		p.sinkClosed = true
	}
	p.sink.Send(ev)
}

// Close makes the participant leave the room: its tracks are unpublished, its
// subscriptions and connections closed, the sink gets Closed{reason} and the
// others ParticipantLeft. Idempotent; returns when everything is stopped.
func (p *Participant) Close(reason vocab.CloseReason) {
	first := false
	p.closeOnce.Do(func() { first = true })
	if !first {
		<-p.closedAll
		return
	}
	p.mu.Lock()
	p.closed = true
	hidden := p.perms.Hidden
	tracks := p.tracks
	p.tracks = nil
	subs := p.subs
	p.subs = map[string]*subscription{}
	pub, sub := p.pub, p.sub
	ghosts := p.ghosts
	p.ghosts = map[string]*Participant{}
	p.mu.Unlock()
	close(p.done)
	info := p.Info()
	info.Hidden = hidden

	empty := p.room.removeParticipant(p)
	for _, t := range tracks {
		p.retractTrack(t, hidden)
	}
	p.room.engine.stats.subscriptions.Add(-int64(len(subs)))
	for _, s := range subs {
		s.detach()
	}
	// Closing the connections stops every sender and receiver, which ends the
	// media readers; then they can be waited for.
	if pub != nil {
		if err := pub.close(); err != nil {
			p.log.Debug("close publisher connection", "err", err)
		}
	}
	if sub != nil {
		if err := sub.close(); err != nil {
			p.log.Debug("close subscriber connection", "err", err)
		}
	}
	for _, s := range subs {
		s.closeMedia()
	}
	for _, t := range tracks {
		t.closeMedia(&p.room.engine.stats)
	}
	// A relay's ghosts go with it, once its connection (their media) is closed.
	for _, g := range ghosts {
		g.Close(reason)
	}
	p.room.activity.speakers.Remove(p.sid)
	p.send(Closed{Reason: reason})
	p.log.Info("participant left", "reason", string(reason))
	close(p.closedAll)
	p.room.participantLeft(p, info, reason, empty)
}

// closeAsync closes the participant from a goroutine the room waits for, for
// callers (Pion callbacks) that Close would otherwise wait on.
func (p *Participant) closeAsync(reason vocab.CloseReason) {
	r := p.room
	r.mu.Lock()
	closing := r.closing
	if !closing {
		r.wg.Add(1)
	}
	r.mu.Unlock()
	if closing {
		return // the room closes everyone anyway
	}
	go func() {
		defer r.wg.Done()
		p.Close(reason)
	}()
}
