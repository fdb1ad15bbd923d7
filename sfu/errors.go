package sfu

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	ErrEngineClosed      = errors.New("sfu: engine closed")
	ErrRoomClosed        = errors.New("sfu: room closed")
	ErrRoomFull          = errors.New("sfu: room full")
	ErrTooManyRooms      = errors.New("sfu: the engine hosts its maximum of rooms")
	ErrPermissionDenied  = errors.New("sfu: permission denied")
	ErrTooManyTracks     = errors.New("sfu: too many tracks")
	ErrTrackNotFound     = errors.New("sfu: track not found")
	ErrInvalidSDP        = errors.New("sfu: invalid SDP")
	ErrInvalidArgument   = errors.New("sfu: invalid argument")
	ErrParticipantClosed = errors.New("sfu: participant closed")
	// ErrCodecNotDecodable refuses a subscription to a video the subscriber
	// cannot decode (JoinParams.VideoCodecs) while it has no backup the
	// subscriber decodes.
	ErrCodecNotDecodable = errors.New("sfu: the subscriber does not decode the track's codec")
	// ErrNoOfferOutstanding is returned by HandleAnswer when the server has no
	// subscriber offer waiting for an answer.
	ErrNoOfferOutstanding = errors.New("sfu: no subscriber offer outstanding")
)
