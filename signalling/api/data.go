package api

import (
	"fmt"
	"net/http"

	"github.com/ensemble-sfu/ensemble/internal/label"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// maxDataPayload bounds one data message, as a data channel message should stay small.
const maxDataPayload = 15 << 10

// SendDataRequest is the body of POST /api/v1/rooms/{room}/data. Payload is base64
// in JSON. Without destination identities, everyone in the room receives it.
type SendDataRequest struct {
	Kind                  vocab.DataKind `json:"kind,omitempty"`
	Topic                 string         `json:"topic,omitempty"`
	Payload               []byte         `json:"payload"`
	DestinationIdentities []string       `json:"destination_identities,omitempty"`
}

func (in *SendDataRequest) validate() *apiwire.Problem {
	switch in.Kind {
	case "":
		in.Kind = vocab.DataReliable
	case vocab.DataReliable, vocab.DataLossy:
	default:
		return invalid("kind", "must be %q or %q, not %q", vocab.DataReliable, vocab.DataLossy, in.Kind)
	}
	if len(in.Payload) == 0 {
		return invalid("payload", "is required (base64 of at least one byte)")
	}
	if len(in.Payload) > maxDataPayload {
		return invalid("payload", "larger than %d bytes", maxDataPayload)
	}
	if len(in.Topic) > label.MaxTopicBytes {
		return invalid("topic", "longer than %d bytes", label.MaxTopicBytes)
	}
	if err := label.Check(in.Topic, label.MaxTopicBytes); err != nil {
		return invalid("topic", "%v", err)
	}
	for i, id := range in.DestinationIdentities {
		if id == "" {
			return invalid(fmt.Sprintf("destination_identities[%d]", i), "must not be empty")
		}
	}
	return nil
}

// validText refuses what label.Check refuses, for short texts with no other limit
// (an Idempotency-Key is bounded by its own length check).
func validText(s string) bool {
	return label.Check(s, len(s)) == nil
}

func (h *handler) sendData(req *request) *apiwire.Problem {
	var in SendDataRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if p := in.validate(); p != nil {
		return p
	}
	_, live, p := h.lookupRoom(req)
	if p != nil {
		return p
	}
	if live != nil {
		// An empty room has nobody to receive; a stored room nobody is in accepts and drops.
		live.SendData(sfu.DataPacket{Kind: in.Kind, Topic: in.Topic, Payload: in.Payload,
			DestinationIdentities: in.DestinationIdentities})
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}
