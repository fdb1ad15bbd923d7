package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/ensemble-sfu/ensemble/internal/strictjson"
)

// ClientMessage is one decoded message from a client.
//
// Body holds the typed request, by Type:
//
//	offer, answer        SDPMessage
//	trickle              TrickleMessage
//	add_track            AddTrackRequest
//	mute                 MuteRequest
//	unpublish            UnpublishRequest
//	subscribe            SubscribeRequest
//	update_subscription  UpdateSubscriptionRequest
//	send_data            SendDataRequest
//	update_metadata      UpdateMetadataRequest
//	ping                 PingMessage
//	lobby_admit          LobbyDecisionRequest
//	lobby_refuse         LobbyDecisionRequest
//	relay_participant    RelayParticipantRequest
//	leave                nil
type ClientMessage struct {
	Type  string
	ReqID uint32
	Body  any
}

// Limits on request fields, so that one message cannot make the server allocate
// without bound beyond the WebSocket message size.
const (
	maxClientIDLen    = 256
	maxSubscribeSIDs  = 256
	maxDestinations   = 256
	maxSimulcastLayer = 3
)

// rawEnvelope reads the envelope without trusting the types of its fields, so that
// a bad req_id is reported precisely and a bad body still lets us echo the req_id.
type rawEnvelope struct {
	Type  json.RawMessage `json:"type"`
	ReqID json.RawMessage `json:"req_id"`
	Data  json.RawMessage `json:"data"`
}

// DecodeClient decodes and validates one client message. Unknown fields inside data
// are ignored (newer clients may send more); an unknown type is refused, and so are
// duplicate keys, keys that match a field only by case, and invalid UTF-8. Errors are
// *DecodeError with a code from this package.
func DecodeClient(b []byte) (ClientMessage, error) {
	typ, reqID, data, err := decodeEnvelope(b)
	if err != nil {
		return ClientMessage{}, err
	}
	msg := ClientMessage{Type: typ, ReqID: reqID}
	fail := func(code, format string, args ...any) (ClientMessage, error) {
		return ClientMessage{}, &DecodeError{Code: code, Message: fmt.Sprintf(format, args...), ReqID: reqID, Type: typ}
	}
	var verr error
	switch typ {
	case TypeOffer, TypeAnswer:
		var m SDPMessage
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeTrickle:
		var m TrickleMessage
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeAddTrack:
		var m AddTrackRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeMute:
		var m MuteRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = requireSID("track_sid", m.TrackSID)
		}
		msg.Body = m
	case TypeUnpublish:
		var m UnpublishRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = requireSID("track_sid", m.TrackSID)
		}
		msg.Body = m
	case TypeSubscribe:
		var m SubscribeRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeUpdateSubscription:
		var m UpdateSubscriptionRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeSendData:
		var m SendDataRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeUpdateMetadata:
		var m UpdateMetadataRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypePing:
		var m PingMessage
		verr = decodeData(data, &m, false)
		msg.Body = m
	case TypeLobbyAdmit, TypeLobbyRefuse:
		var m LobbyDecisionRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeRelayParticipant:
		var m RelayParticipantRequest
		if verr = decodeData(data, &m, true); verr == nil {
			verr = m.validate()
		}
		msg.Body = m
	case TypeLeave:
		// No data; anything sent is ignored.
	case "":
		return fail(CodeInvalidArgument, "message has no type")
	default:
		return fail(CodeUnknownType, "unknown message type %q (protocol version %d)", typ, Version)
	}
	if verr != nil {
		var de *DecodeError
		if errors.As(verr, &de) {
			return fail(de.Code, "%s: %s", typ, de.Message)
		}
		return fail(CodeMalformedMessage, "%s: %v", typ, verr)
	}
	return msg, nil
}

// decodeEnvelope reads type, req_id and data. Errors are *DecodeError.
func decodeEnvelope(b []byte) (typ string, reqID uint32, data json.RawMessage, err error) {
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 {
		return "", 0, nil, &DecodeError{Code: CodeMalformedMessage, Message: "empty message"}
	}
	if trimmed[0] != '{' {
		return "", 0, nil, &DecodeError{Code: CodeMalformedMessage, Message: "message is not a JSON object"}
	}
	var env rawEnvelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return "", 0, nil, &DecodeError{Code: CodeMalformedMessage, Message: "invalid JSON: " + describeJSONError(err)}
	}
	if len(env.ReqID) > 0 && string(env.ReqID) != "null" {
		n, perr := strconv.ParseUint(string(env.ReqID), 10, 32)
		if perr != nil {
			return "", 0, nil, &DecodeError{Code: CodeMalformedMessage, Message: fmt.Sprintf("req_id must be an integer from 0 to %d, got %s", uint32(1<<32-1), truncate(string(env.ReqID), 40))}
		}
		reqID = uint32(n)
	}
	if len(env.Type) > 0 && string(env.Type) != "null" {
		if err := json.Unmarshal(env.Type, &typ); err != nil {
			return "", reqID, nil, &DecodeError{Code: CodeMalformedMessage, Message: "type must be a string", ReqID: reqID}
		}
	}
	// Checked once req_id is known, so that the refusal answers the request.
	if err := strictjson.Check(trimmed, reflect.TypeFor[rawEnvelope](), strictjson.Options{}); err != nil {
		de := strictError(err).(*DecodeError)
		de.ReqID, de.Type = reqID, typ
		return "", reqID, nil, de
	}
	return typ, reqID, env.Data, nil
}

// decodeData unmarshals a message's data into v.
func decodeData(data json.RawMessage, v any, required bool) error {
	if len(data) == 0 || string(data) == "null" {
		if required {
			return invalid("data is required")
		}
		return nil
	}
	if data[0] != '{' {
		return &DecodeError{Code: CodeMalformedMessage, Message: "data must be a JSON object"}
	}
	if err := strictjson.Check(data, reflect.TypeOf(v).Elem(), strictjson.Options{}); err != nil {
		return strictError(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &DecodeError{Code: CodeMalformedMessage, Message: describeJSONError(err)}
	}
	return nil
}

// strictError reports what strictjson refused: a duplicate key, a key that matches
// a field only by case (unknown keys are otherwise ignored, so a client that sends
// "Muted" would be silently misunderstood), or text that is not UTF-8.
func strictError(err error) error {
	var se *strictjson.Error
	if errors.As(err, &se) {
		return &DecodeError{Code: CodeMalformedMessage, Message: se.Error()}
	}
	return &DecodeError{Code: CodeMalformedMessage, Message: err.Error()}
}

// describeJSONError turns encoding/json errors into messages that name the field.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "value"
		}
		return fmt.Sprintf("field %q must be %s, got JSON %s", field, jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array (or base64 string for bytes)"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return goKind
}

func invalid(format string, args ...any) error {
	return &DecodeError{Code: CodeInvalidArgument, Message: fmt.Sprintf(format, args...)}
}

func requireSID(field, v string) error {
	if v == "" {
		return invalid("%s is required", field)
	}
	if len(v) > maxClientIDLen {
		return invalid("%s is longer than %d bytes", field, maxClientIDLen)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
