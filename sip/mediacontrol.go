package sip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// maxMediaControl bounds the XML of a media control INFO: the one message
// it carries is under 200 bytes.
const maxMediaControl = 4096

// mediaControl is the XML of RFC 5168 a room system sends in SIP INFO to
// ask for a full frame of the video it receives.
type mediaControl struct {
	XMLName    xml.Name `xml:"media_control"`
	Primitives []struct {
		ToEncoder *struct {
			FastUpdate *struct{} `xml:"picture_fast_update"`
		} `xml:"to_encoder"`
	} `xml:"vc_primitive"`
}

// asksFastUpdate reports whether an application/media_control+xml body asks
// for a full frame (picture_fast_update); a body that is not that XML, or
// is larger than any such message, is an error.
func asksFastUpdate(body []byte) (bool, error) {
	if len(body) > maxMediaControl {
		return false, fmt.Errorf("media_control body of %d bytes (at most %d)", len(body), maxMediaControl)
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var mc mediaControl
	if err := dec.Decode(&mc); err != nil {
		return false, fmt.Errorf("media_control body: %w", err)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, fmt.Errorf("media_control body: %w", err)
		}
		switch tok := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) == 0 {
				continue
			}
		case xml.Comment:
			continue
		}
		return false, errors.New("media_control body: more after </media_control>")
	}
	for _, p := range mc.Primitives {
		if p.ToEncoder != nil && p.ToEncoder.FastUpdate != nil {
			return true, nil
		}
	}
	return false, nil
}
