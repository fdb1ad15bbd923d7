package apiwire

// SIPParticipant is a call the server placed: its progress is State (dialing,
// ringing, answered, busy, no_answer, failed, ended) and, for a failure, the SIP
// status.
type SIPParticipant struct {
	ID        string `json:"id"`
	Room      string `json:"room"`
	URI       string `json:"uri"`
	Name      string `json:"name"`
	State     string `json:"state"`
	SIPStatus int    `json:"sip_status,omitempty"`
}

// DialSIPRequest is the body of POST /api/v1/rooms/{room}/sip-participants.
type DialSIPRequest struct {
	URI  string `json:"uri"`
	Name string `json:"name,omitempty"`
}
