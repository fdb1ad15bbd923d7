package auth

import (
	"testing"
	"time"
)

// BenchmarkVerify measures one token check (done once per join/resume and API call).
func BenchmarkVerify(b *testing.B) {
	v := testVerifier()
	tok := mustSign(b, TokenParams{Identity: "alice", Room: "r1", Grants: DefaultParticipantGrants(), TTL: time.Hour})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	p := TokenParams{Identity: "alice", Room: "r1", Grants: DefaultParticipantGrants(), TTL: time.Hour}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(testKey, testSecret, p); err != nil {
			b.Fatal(err)
		}
	}
}
