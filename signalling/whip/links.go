package whip

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ensemble-sfu/ensemble/signalling/protocol"
)

// addICEServerLinks adds one Link header per ICE server URL (RFC 9725 §4.6):
// rel="ice-server", with the TURN credentials as link parameters. Nothing when
// the server has none.
func addICEServerLinks(h http.Header, servers []protocol.ICEServer) {
	for _, s := range servers {
		for _, u := range s.URLs {
			v := fmt.Sprintf("<%s>; rel=\"ice-server\"", u)
			if s.Username != "" || s.Credential != "" {
				v += fmt.Sprintf("; username=%s; credential=%s; credential-type=\"password\"",
					quoteParam(s.Username), quoteParam(s.Credential))
			}
			h.Add("Link", v)
		}
	}
}

// quoteParam writes a link parameter value as a quoted string (RFC 8288).
func quoteParam(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
