package label

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Limits shared by the API and the protocol.
const (
	MaxNameRunes     = 128      // display names and track names
	MaxTopicBytes    = 256      // data message topics
	MaxMetadataBytes = 16 << 10 // participant and room metadata
)

// Sentinel errors, wrapped by the errors Check and CheckMetadata return.
var (
	ErrInvalidUTF8 = errors.New("is not valid UTF-8")
	ErrControl     = errors.New("contains a control character")
	ErrBidi        = errors.New("contains a bidirectional override")
	ErrTooLong     = errors.New("is too long")
)

// Check refuses s as a name or title of at most maxRunes characters.
func Check(s string, maxRunes int) error {
	if !utf8.ValidString(s) {
		return ErrInvalidUTF8
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, maxRunes)
	}
	for i, r := range s {
		if err := checkRune(r, false); err != nil {
			return fmt.Errorf("%w (U+%04X at byte %d)", err, r, i)
		}
	}
	return nil
}

// CheckMetadata refuses s as metadata of at most maxBytes: free text (often JSON)
// that may span lines and hold tabs, but no other control characters.
func CheckMetadata(s string, maxBytes int) error {
	if len(s) > maxBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(s), maxBytes)
	}
	if !utf8.ValidString(s) {
		return ErrInvalidUTF8
	}
	for i, r := range s {
		if err := checkRune(r, true); err != nil {
			return fmt.Errorf("%w (U+%04X at byte %d)", err, r, i)
		}
	}
	return nil
}

func checkRune(r rune, multiline bool) error {
	switch {
	case multiline && (r == '\t' || r == '\n' || r == '\r'):
		return nil
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return ErrControl
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return ErrBidi
	}
	return nil
}
