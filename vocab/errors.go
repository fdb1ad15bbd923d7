package vocab

import "errors"

// ErrUnknownQuality is returned by ParseQuality for a name that is not a quality.
var ErrUnknownQuality = errors.New("vocab: unknown quality")
