package sfu

import (
	"fmt"

	"github.com/pion/sdp/v3"
)

// checkAnswerMatchesOffer refuses an answer whose media sections are not the
// offer's, in number, order, kind and mid (RFC 3264, section 6). Pion accepts an
// answer with extra sections and is then unable to create any later offer, which
// would leave the subscriber connection unable to negotiate new tracks.
func checkAnswerMatchesOffer(answer, offer string) error {
	var a, o sdp.SessionDescription
	if err := a.UnmarshalString(answer); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	if err := o.UnmarshalString(offer); err != nil {
		return fmt.Errorf("our own offer does not parse: %w", err)
	}
	if len(a.MediaDescriptions) != len(o.MediaDescriptions) {
		return fmt.Errorf("%w: the answer has %d media sections, the offer %d",
			ErrInvalidSDP, len(a.MediaDescriptions), len(o.MediaDescriptions))
	}
	for i, om := range o.MediaDescriptions {
		am := a.MediaDescriptions[i]
		if am.MediaName.Media != om.MediaName.Media {
			return fmt.Errorf("%w: media section %d is %q in the answer, %q in the offer",
				ErrInvalidSDP, i, am.MediaName.Media, om.MediaName.Media)
		}
		omid, _ := om.Attribute(sdp.AttrKeyMID)
		if amid, _ := am.Attribute(sdp.AttrKeyMID); amid != omid {
			return fmt.Errorf("%w: media section %d has mid %q in the answer, %q in the offer",
				ErrInvalidSDP, i, amid, omid)
		}
	}
	return nil
}
