package meeting

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// unfold undoes RFC 5545 folding.
func unfold(s string) string {
	return strings.ReplaceAll(s, "\r\n ", "")
}

func TestFoldingKeepsLinesWithin75Octets(t *testing.T) {
	cases := map[string]string{
		"short":              "SUMMARY:hello",
		"exactly 75":         "SUMMARY:" + strings.Repeat("a", 75-len("SUMMARY:")),
		"76":                 "SUMMARY:" + strings.Repeat("a", 76-len("SUMMARY:")),
		"long ascii":         "DESCRIPTION:" + strings.Repeat("0123456789", 40),
		"two-byte at cut":    "SUMMARY:" + strings.Repeat("a", 66) + strings.Repeat("é", 20),
		"three-byte at cut":  "SUMMARY:" + strings.Repeat("a", 65) + strings.Repeat("€", 30),
		"four-byte at cut":   "SUMMARY:" + strings.Repeat("a", 64) + strings.Repeat("😀", 30),
		"all four-byte long": "SUMMARY:" + strings.Repeat("😀", 100),
	}
	for name, line := range cases {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			writeFolded(&b, line)
			out := b.String()
			if !strings.HasSuffix(out, "\r\n") {
				t.Fatalf("no CRLF at the end: %q", out)
			}
			physical := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
			for i, p := range physical {
				if len(p) > maxLineOctets {
					t.Errorf("line %d has %d octets: %q", i, len(p), p)
				}
				if i > 0 && !strings.HasPrefix(p, " ") {
					t.Errorf("continuation line %d does not start with a space", i)
				}
				if !utf8.ValidString(strings.TrimPrefix(p, " ")) {
					t.Errorf("line %d splits a UTF-8 sequence: %q", i, p)
				}
			}
			if len(line) <= maxLineOctets && len(physical) != 1 {
				t.Errorf("a %d-octet line was folded", len(line))
			}
			if got := unfold(strings.TrimSuffix(out, "\r\n")); got != line {
				t.Errorf("unfolded = %q, want %q", got, line)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	cases := map[string]string{
		`plain`:                `plain`,
		`a,b;c\d`:              `a\,b\;c\\d`,
		"line1\nline2":         `line1\nline2`,
		"crlf\r\nx":            `crlf\nx`,
		"lone\rcr":             `lone\ncr`,
		"tab\tkept":            "tab\tkept",
		"bell\x07gone\x7f":     `bellgone`,
		`already \n escaped`:   `already \\n escaped`,
		"é, ü; 😀":              `é\, ü\; 😀`,
		`https://x.test/a?b=c`: `https://x.test/a?b=c`,
	}
	for in, want := range cases {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParamValue(t *testing.T) {
	cases := map[string]string{
		"Europe/Paris":  "Europe/Paris",
		"Doe, Jane":     `"Doe, Jane"`,
		`say "hi": now`: `"say hi: now"`,
		"PIN 1234#":     "PIN 1234#",
		"a;b":           `"a;b"`,
		"new\nline":     "newline",
	}
	for in, want := range cases {
		if got := paramValue(in); got != want {
			t.Errorf("paramValue(%q) = %q, want %q", in, got, want)
		}
	}
}
