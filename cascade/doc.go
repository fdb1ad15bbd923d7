// Package cascade spans one room over several nodes: a room past one node's
// capacity (cluster.max_participants_per_node) gets participants on more nodes
// than its host, and each published track crosses to each other node once.
//
// # Topology
//
// The room's host (its placement in Redis, package cluster) is the origin. Every
// other node serving participants of the room (a satellite) runs one Bridge for
// it: two connections made with package signalling/client, each joining as a
// participant of kind "relay" (vocab.ParticipantRelay):
//
//	origin room (host node)  <== relay leg "far"  (WebRTC node to node) ==  Bridge
//	satellite room (this)    <== relay leg "near" (WebRTC on loopback)  ==  (on the satellite)
//
// Each leg subscribes to every track of its room except the ones the Bridge
// itself put there, and the Bridge publishes each received track on the other
// leg on behalf of its real owner. The topology is a star around the origin: a
// track of satellite B reaches satellite C through the origin A, crossing each
// node boundary once (B to A, A to C), and no track comes back to where it came
// from, since a relay never receives the tracks it published itself.
//
// # Why a participant of kind relay, through the client (checked against the code)
//
//   - Everything a node-to-node hop needs already exists between a client and a
//     node: ICE/DTLS/SRTP through the node's muxed ports, NACK, PLI, TWCC, the
//     join protocol, the routing of a join to the room's host
//     (cmd/ensemble routeToHost). A relay is one more client, with no second
//     media transport to secure and open in firewalls.
//   - The SFU needed one new idea, the relayed participant ("ghost", sfu/relay.go):
//     a relay's add_track may name an owner (AddTrackRequest.Owner); the track is
//     published by a participant of that identity that has no connection of its
//     own, its media arriving on the relay's publisher connection. Rosters,
//     TrackPublished, auto-subscription, active-speaker sources and key-frame
//     requests (the UpTrack's PLI goes out on the relay's connection) then work
//     unchanged: local participants see the remote ones, not one "relay".
//   - The relay itself is hidden (never in rosters or events) and does not count
//     toward capacity, like a recorder; like a recorder it receives every track
//     whole, not the share of a bandwidth estimate, since what it misses is
//     missed by a whole node.
//
// # Roster
//
// The participants cross as well as their tracks (roster.go): each leg hears
// its room's participants join, change and leave, and the Bridge declares
// each on the other leg as soon as it is there, with or without tracks
// (client.DeclareRelayed, protocol relay_participant), again when its name or
// metadata change, and removes it when it leaves (client.RemoveRelayed), the
// tracks published for it going with it. A TrackMuted of a relayed track's
// source mutes the track the Bridge published for it on the other leg, so
// that node's participants hear of it and its media stop there too. No loop:
// the sfu tells a relay nothing of the participants it declared or published
// for (joins, changes, mutes, departures), as it never sends it their tracks.
// The last participants of this node to leave close the bridge: Farewell
// removes them from the origin first, for their reasons, since their leave may
// still be on its way through the near leg.
//
// # One identity, one participant
//
// As on one node, the newest session of an identity replaces the older one
// room-wide (closed with duplicate_identity), and the origin decides, in the
// order the sessions reach it (sfu relayidentity.go). The Bridge declares a
// participant that joins this node, or is here as the Bridge starts, to the
// origin as a new session (client.DeclareRelayedJoined): there it replaces
// a participant of its identity, of the origin or of another satellite. A
// participant of this node replaced there is closed here when the far leg
// says so (client.RelayedAdmin, vocab.RelayedReplaced, through
// Config.Owners), before the newer session's join is read from it. Nothing is
// declared to this node as a new session: the near leg mirrors the origin,
// and a local join here replaces the origin's copy of its identity (sfu
// Room.Join) as the origin will, once that join's declaration reaches it.
//
// # Administration
//
// The API acts on the origin, where a participant of this node is a relayed
// copy. The origin tells the far leg what an administrator did to it
// (client.RelayedAdmin: removed, a track muted, its name, metadata or
// permissions changed), and the Bridge does the same to the participant
// itself through Config.Owners (admin.go), a mute naming this node's track
// for the one it published there. What follows crosses back as any change of
// the participant does: it leaves with reason removed, its track's mute stops
// its media at the source, its new name is declared again.
//
// # Simulcast
//
// A relay receives each layer of a simulcast video on a stream of its own,
// pinned to that layer (sfu: a relay's subscription; the top layer under the
// track's SID, the others under vocab.LayerTrackID), and the Bridge publishes
// the track on the other leg once, as simulcast with the same layers
// (layers.go). That node's allocator then gives each of its subscribers the
// layer its bandwidth or request allows, and its dynacast stops at the Bridge
// the layers nobody there receives; the Bridge then pauses those layers'
// streams at their source (layerpause.go), so that between the nodes only the
// layers needed on the far side cross, and resumes one (at a key frame) when
// it is needed there again. A key-frame request on one layer goes back to that
// layer's stream.
//   - Only a token of kind relay with the room_admin grant for exactly this room
//     is a relay: a relay speaks for others. Nodes mint it with the shared key.
//   - The near leg costs one loopback WebRTC hop on the satellite (received media
//     is decrypted and encrypted once more). An in-process UpTrack fed from the
//     far leg would remove it; the SFU's UpTrack reads a Pion TrackRemote today,
//     so the loopback keeps the SFU unchanged on its media path.
//
// # Placement of participants
//
// cluster.Cluster.PlaceParticipant chooses the node that serves a join: the
// room's host while it has fewer than max_participants_per_node local
// participants, else a node already serving the room with room left, else the
// least-loaded live node. Each node writes its local count of the room in Redis
// (room-load:<room>) as participants join and leave, and a join takes a seat on
// the node chosen, atomically, until that node counts it: joins in the same
// instant never put more than the limit on one node (cluster/seats.go). The
// room's size is bounded by the cluster's nodes, not one node.
//
// # Counters
//
// /metrics has ensemble_relay_tracks_out_total{peer} (tracks this node sent to
// a peer node) and ensemble_relay_tracks_in_total{peer} (tracks it received from
// one), counted by the Bridge when it publishes a track on a leg (a simulcast
// track once, whatever its layers).
//
// # Data messages and active speakers
//
// A relay receives the data messages of its room like anyone, and is told
// their destinations; the Bridge sends each into the other room on behalf of
// its sender (send_data's from_identity), where the relay routes it to the
// destinations there. A relayed participant's messages never go back to its
// relay, and a message to a relayed participant goes to its relay once. The
// audio level (RFC 6464) crosses under the extension id the near leg
// negotiated, so the relayed participant's node finds it speaking too.
//
// # Not yet
//
//   - A simulcast track whose publisher declares a layer it never sends is
//     published on the other leg after publishTimeout, with the layers that
//     came; a layer stream that comes later is dropped.
//   - A relayed participant's joined_at is when the Bridge declared it. (Its
//     kind and its leave reason cross.)
//   - An API action on a relayed participant answers once its relay was
//     told; its copy on the origin follows the participant's own node.
//   - Bridges are per room and per satellite; two satellites exchange media
//     through the origin (one more hop, and the origin's egress).
package cascade
