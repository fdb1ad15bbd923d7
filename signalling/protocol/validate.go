package protocol

import "github.com/ensemble-sfu/ensemble/vocab"

// validate checks what JSON typing alone cannot: required fields, enumerations and
// ranges. The server relies on it, so the sfu only sees well-formed requests.

func (m SDPMessage) validate() error {
	if m.SDP == "" {
		return invalid("sdp is required")
	}
	return nil
}

func (m TrickleMessage) validate() error {
	return validTarget(m.Target)
}

func validTarget(t vocab.Target) error {
	switch t {
	case vocab.TargetPublisher, vocab.TargetSubscriber:
		return nil
	case "":
		return invalid("target is required (publisher or subscriber)")
	}
	return invalid("target %q is not publisher or subscriber", truncate(string(t), 40))
}

func (m AddTrackRequest) validate() error {
	if err := requireSID("cid", m.ClientID); err != nil {
		return err
	}
	if m.Kind != vocab.KindAudio && m.Kind != vocab.KindVideo {
		return invalid("kind %q is not audio or video", truncate(string(m.Kind), 40))
	}
	if !m.Source.Valid() {
		return invalid("source %q is not camera, microphone, screen_share or screen_share_audio", truncate(string(m.Source), 40))
	}
	if want := m.Source.Kind(); want != m.Kind {
		return invalid("source %s carries %s, not %s", m.Source, want, m.Kind)
	}
	if m.Width < 0 || m.Height < 0 {
		return invalid("width and height must not be negative")
	}
	if len(m.Layers) > 0 && m.Kind != vocab.KindVideo {
		return invalid("only video tracks have simulcast layers")
	}
	if len(m.Layers) > maxSimulcastLayer {
		return invalid("at most %d simulcast layers, got %d", maxSimulcastLayer, len(m.Layers))
	}
	for i, l := range m.Layers {
		if err := validQuality(l.Quality, false); err != nil {
			return invalid("layers[%d]: %v", i, err.(*DecodeError).Message)
		}
		if l.Width < 0 || l.Height < 0 || l.Bitrate < 0 {
			return invalid("layers[%d]: width, height and bitrate must not be negative", i)
		}
	}
	return nil
}

func validQuality(q string, optional bool) error {
	if q == "" {
		if optional {
			return nil
		}
		return invalid("quality is required (low, medium or high)")
	}
	if _, err := vocab.ParseQuality(q); err == nil {
		return nil
	}
	return invalid("quality %q is not low, medium or high", truncate(q, 40))
}

func (m SubscribeRequest) validate() error {
	if len(m.TrackSIDs) == 0 {
		return invalid("track_sids must name at least one track")
	}
	if len(m.TrackSIDs) > maxSubscribeSIDs {
		return invalid("at most %d track_sids per request", maxSubscribeSIDs)
	}
	for i, sid := range m.TrackSIDs {
		if sid == "" {
			return invalid("track_sids[%d] is empty", i)
		}
	}
	return nil
}

func (m UpdateSubscriptionRequest) validate() error {
	if err := requireSID("track_sid", m.TrackSID); err != nil {
		return err
	}
	if m.Width < 0 || m.Height < 0 {
		return invalid("width and height must not be negative")
	}
	return validQuality(m.Quality, true)
}

func (m SendDataRequest) validate() error {
	switch m.Kind {
	case vocab.DataReliable, vocab.DataLossy:
	case "":
		return invalid("kind is required (reliable or lossy)")
	default:
		return invalid("kind %q is not reliable or lossy", truncate(string(m.Kind), 40))
	}
	if len(m.DestinationIdentities) > maxDestinations {
		return invalid("at most %d destination_identities", maxDestinations)
	}
	for i, id := range m.DestinationIdentities {
		if id == "" {
			return invalid("destination_identities[%d] is empty", i)
		}
	}
	return nil
}
