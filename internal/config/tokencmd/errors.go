package tokencmd

import "errors"

// ErrUsage wraps every refusal of the command line itself (missing or conflicting
// flags, unknown grant or source names).
var ErrUsage = errors.New("invalid command line")
