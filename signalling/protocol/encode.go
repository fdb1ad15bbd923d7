package protocol

import (
	"encoding/json"
	"fmt"
)

// Encode frames one message: {"type": typ, "req_id": reqID, "data": data}. data may
// be nil (ack, leave); reqID 0 is left out.
func Encode(typ string, reqID uint32, data any) ([]byte, error) {
	env := Envelope{Type: typ, ReqID: reqID}
	if data != nil {
		raw, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("encode %s data: %w", typ, err)
		}
		env.Data = raw
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", typ, err)
	}
	return b, nil
}

// ServerMessage is one decoded message from the server (for clients).
//
// Body holds, by Type: join and resumed JoinResponse; offer and answer SDPMessage;
// trickle TrickleMessage; track_published TrackPublishedEvent; track_unpublished
// TrackUnpublishedEvent; track_muted TrackMutedEvent; participant_joined and
// participant_updated ParticipantEvent; participant_left ParticipantLeftEvent;
// active_speakers ActiveSpeakersEvent; connection_quality ConnectionQualityEvent;
// data DataEvent; close CloseEvent; error ErrorMessage; pong PingMessage; draining
// DrainingEvent; lobby_waiting LobbyWaitingEvent; lobby_knock and lobby_left
// LobbyGuestEvent; subscription_layer SubscriptionLayerEvent; publisher_layers
// PublisherLayersEvent; publisher_backup PublisherBackupEvent; relayed_admin
// RelayedAdminEvent; ack nil.
type ServerMessage struct {
	Type  string
	ReqID uint32
	Body  any
}

// DecodeServer decodes one server message. Unknown types are returned with a nil
// Body and no error, so that an older client survives a newer server's additions.
func DecodeServer(b []byte) (ServerMessage, error) {
	typ, reqID, data, err := decodeEnvelope(b)
	if err != nil {
		return ServerMessage{}, err
	}
	msg := ServerMessage{Type: typ, ReqID: reqID}
	var body any
	switch typ {
	case TypeJoin, TypeResumed:
		body = &JoinResponse{}
	case TypeOffer, TypeAnswer:
		body = &SDPMessage{}
	case TypeTrickle:
		body = &TrickleMessage{}
	case TypeTrackPublished:
		body = &TrackPublishedEvent{}
	case TypeTrackUnpublished:
		body = &TrackUnpublishedEvent{}
	case TypeTrackMuted:
		body = &TrackMutedEvent{}
	case TypeParticipantJoined, TypeParticipantUpdated:
		body = &ParticipantEvent{}
	case TypeParticipantLeft:
		body = &ParticipantLeftEvent{}
	case TypeActiveSpeakers:
		body = &ActiveSpeakersEvent{}
	case TypeConnectionQuality:
		body = &ConnectionQualityEvent{}
	case TypeData:
		body = &DataEvent{}
	case TypeClose:
		body = &CloseEvent{}
	case TypeError:
		body = &ErrorMessage{}
	case TypePong:
		body = &PingMessage{}
	case TypeDraining:
		body = &DrainingEvent{}
	case TypeRoomUpdated:
		body = &RoomUpdatedEvent{}
	case TypeLobbyWaiting:
		body = &LobbyWaitingEvent{}
	case TypeLobbyKnock, TypeLobbyLeft:
		body = &LobbyGuestEvent{}
	case TypeSubscriptionLayer:
		body = &SubscriptionLayerEvent{}
	case TypePublisherLayers:
		body = &PublisherLayersEvent{}
	case TypePublisherBackup:
		body = &PublisherBackupEvent{}
	case TypeRelayedAdmin:
		body = &RelayedAdminEvent{}
	default:
		return msg, nil
	}
	if err := decodeData(data, body, false); err != nil {
		return ServerMessage{}, fmt.Errorf("decode %s: %w", typ, err)
	}
	msg.Body = deref(body)
	return msg, nil
}

// deref returns the value a decode target points to, so callers switch on values.
func deref(v any) any {
	switch p := v.(type) {
	case *JoinResponse:
		return *p
	case *SDPMessage:
		return *p
	case *TrickleMessage:
		return *p
	case *TrackPublishedEvent:
		return *p
	case *TrackUnpublishedEvent:
		return *p
	case *TrackMutedEvent:
		return *p
	case *ParticipantEvent:
		return *p
	case *ParticipantLeftEvent:
		return *p
	case *ActiveSpeakersEvent:
		return *p
	case *ConnectionQualityEvent:
		return *p
	case *DataEvent:
		return *p
	case *CloseEvent:
		return *p
	case *ErrorMessage:
		return *p
	case *PingMessage:
		return *p
	case *RoomUpdatedEvent:
		return *p
	case *LobbyWaitingEvent:
		return *p
	case *LobbyGuestEvent:
		return *p
	case *DrainingEvent:
		return *p
	case *SubscriptionLayerEvent:
		return *p
	case *PublisherLayersEvent:
		return *p
	case *PublisherBackupEvent:
		return *p
	case *RelayedAdminEvent:
		return *p
	}
	return v
}
