package apiwire

import "fmt"

// FieldError names one input field at fault.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem document. Code is a stable machine-readable name of
// the problem (also the last segment of Type); Errors lists the fields at fault.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Code   string       `json:"code"`
	Errors []FieldError `json:"errors,omitempty"`
}

// Error makes a *Problem usable as an error (the client returns them).
func (p *Problem) Error() string {
	s := fmt.Sprintf("%d %s", p.Status, p.Code)
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	for _, fe := range p.Errors {
		s += fmt.Sprintf("; %s: %s", fe.Field, fe.Message)
	}
	return s
}
