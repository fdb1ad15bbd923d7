package web

import "errors"

// ErrBadConnectSource is returned by NewHandler when an extra connect source is not
// a plain origin (scheme://host[:port]), which would let it inject CSP directives.
var ErrBadConnectSource = errors.New("web: connect source must be scheme://host[:port]")
