package label

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"Élodie Dupont", nil},
		{"محمد", nil},
		{"👩‍💻 Ada", nil}, // zero-width joiner inside an emoji stays allowed
		{"a\x00b", ErrControl},
		{"line\nbreak", ErrControl},
		{"evil\u202Egnp.exe", ErrBidi},
		{"iso\u2066late", ErrBidi},
		{"sep\u2028arator", ErrControl},
		{"bad\xffutf8", ErrInvalidUTF8},
		{strings.Repeat("é", MaxNameRunes+1), ErrTooLong},
	}
	for _, c := range cases {
		if err := Check(c.in, MaxNameRunes); !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("Check(%q) = %v, want %v", c.in, err, c.want)
		}
	}
}

func TestCheckMetadata(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"{\n\t\"role\": \"chair\"\r\n}", nil},
		{"a\x00b", ErrControl},
		{"\x1b[31m", ErrControl},
		{"x\u202E", ErrBidi},
		{"bad\xff", ErrInvalidUTF8},
		{strings.Repeat("a", MaxMetadataBytes+1), ErrTooLong},
	}
	for _, c := range cases {
		if err := CheckMetadata(c.in, MaxMetadataBytes); !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("CheckMetadata(%q) = %v, want %v", c.in, err, c.want)
		}
	}
}

// Whatever Check accepts is valid UTF-8, within its length, and free of control
// and bidirectional formatting characters.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"Élodie", "a\x00b", "evil\u202Egnp", "👩‍💻", "bad\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Check(s, 16) != nil {
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 16 {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if checkRune(r, false) != nil {
				t.Fatalf("accepted %q with U+%04X", s, r)
			}
		}
	})
}
