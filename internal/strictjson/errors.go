package strictjson

import "fmt"

// Codes of an *Error.
const (
	CodeSyntax        = "syntax"         // not JSON at all, or truncated
	CodeDuplicateKey  = "duplicate_key"  // a key appears twice in one object
	CodeInvalidUTF8   = "invalid_utf8"   // bytes or \u escapes that are not UTF-8
	CodeCaseMismatch  = "case_mismatch"  // a key matches a field only when case is ignored
	CodeUnknownField  = "unknown_field"  // a key matches no field (with RejectUnknown)
	CodeTrailingValue = "trailing_value" // more than one JSON value
)

// Error says what breaks the rules and where. Pointer is the RFC 6901 JSON pointer of
// the offending key or value ("" for the whole document); Field is the key at fault
// when the fault is a key.
type Error struct {
	Code    string
	Pointer string
	Field   string
	Offset  int64
	Message string
}

func (e *Error) Error() string {
	if e.Pointer != "" {
		return fmt.Sprintf("%s (at %s)", e.Message, e.Pointer)
	}
	return e.Message
}
