package meeting

import (
	"errors"
	"fmt"
)

// ErrCancelled is returned when a cancelled meeting is updated or cancelled again.
// The HTTP API maps it to 409 Conflict.
var ErrCancelled = errors.New("meeting is cancelled")

// FieldError says which input field is wrong and why. The HTTP API maps it to an
// RFC 9457 problem document with status 422, naming Field.
type FieldError struct {
	Field   string // JSON name of the field at fault, e.g. "end", "time_zone", "recurrence"
	Message string // human-readable, lower case, no trailing period
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Message)
}

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsFieldError returns the *FieldError inside err, if any.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}
