package main

import (
	"time"

	"github.com/ensemble-sfu/ensemble/sip"
)

// sipReadiness is the SIP bridge's part of /readyz: its calls and, with a
// registrar, its registration. It does not make the node unready: a node
// whose registrar is down still answers calls sent to its address and serves
// its rooms.
type sipReadiness struct {
	Calls        int                  `json:"calls"`
	Registration *sipRegistrationView `json:"registration,omitempty"`
}

type sipRegistrationView struct {
	Registered bool       `json:"registered"`
	Expires    *time.Time `json:"expires,omitempty"`
	Attempts   int        `json:"attempts"`
	LastError  string     `json:"last_error,omitempty"`
}

func sipReadyDetail(b *sip.Bridge) func() any {
	return func() any {
		r := sipReadiness{Calls: b.Calls()}
		if s, ok := b.Registration(); ok {
			v := &sipRegistrationView{Registered: s.Registered, Attempts: s.Attempts}
			if s.Registered {
				exp := s.Expires.UTC().Truncate(time.Second)
				v.Expires = &exp
			}
			if s.LastError != nil {
				v.LastError = s.LastError.Error()
			}
			r.Registration = v
		}
		return r
	}
}
