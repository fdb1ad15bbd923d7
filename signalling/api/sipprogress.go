package api

import (
	"bytes"
	"encoding/json"

	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// SIPCallProgress is the webhook of a placed SIP call's new state (ringing,
// answered, busy, no_answer, failed, ended); Data is the call as GET
// /api/v1/rooms/{room}/sip-participants/{id} returns it, Reason its state.
const SIPCallProgress webhook.EventType = "sip_call_progress"

// SIPCallTopic is the topic of the data message that tells the people in the
// room of a placed call's new state; its body is the call as GET returns it.
const SIPCallTopic = "sip_call"

// AnnounceSIPProgress tells a placed call's new state to the webhooks and, when
// its room is live on this node, to the people in it (a reliable data message
// from the server, topic SIPCallTopic). engine and hooks may be nil. It does
// not block: both only queue.
func AnnounceSIPProgress(engine *sfu.Engine, hooks *webhook.Notifier, call apiwire.SIPParticipant) {
	body, err := json.Marshal(call)
	if err != nil {
		return // a SIPParticipant always encodes
	}
	if hooks != nil {
		hooks.Send(webhook.Event{Type: SIPCallProgress, Room: &protocol.RoomInfo{Name: call.Room}, Reason: call.State, Data: body})
	}
	if engine == nil {
		return
	}
	if live, ok := engine.Room(call.Room); ok {
		live.SendData(sfu.DataPacket{Kind: vocab.DataReliable, Topic: SIPCallTopic, Payload: bytes.Clone(body)}) // each owns its bytes
	}
}
