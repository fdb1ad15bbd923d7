package meeting

import (
	"strings"
	"unicode/utf8"
)

// maxLineOctets is the RFC 5545 §3.1 limit for a content line, CRLF excluded.
const maxLineOctets = 75

// icsWriter accumulates content lines, folded and CRLF-terminated.
type icsWriter struct {
	b strings.Builder
}

// line writes "name:value", folding it. name may carry parameters
// ("DTSTART;TZID=Europe/Paris"); value must already be escaped for its type.
func (w *icsWriter) line(name, value string) {
	writeFolded(&w.b, name+":"+value)
}

// text writes a property of type TEXT, escaping value.
func (w *icsWriter) text(name, value string) {
	w.line(name, escapeText(value))
}

func (w *icsWriter) String() string { return w.b.String() }

// writeFolded splits line into chunks of at most 75 octets, continuation chunks
// starting with one space (which counts in their 75), never inside a UTF-8 sequence:
// Outlook shows a broken character otherwise.
func writeFolded(b *strings.Builder, line string) {
	limit := maxLineOctets
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLineOctets - 1
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma
// get a backslash, any line break becomes "\n", other control characters (not allowed
// in TEXT) are dropped.
func escapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == ';' || c == ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			// dropped
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// paramValue quotes a parameter value when it contains ':', ';' or ','
// (RFC 5545 §3.2); DQUOTE and control characters cannot appear at all and are dropped.
func paramValue(s string) string {
	clean := strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(clean, ":;,") {
		return `"` + clean + `"`
	}
	return clean
}
