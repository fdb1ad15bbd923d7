package meeting

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata golden files with the current output")

// goldenCases are meetings whose exact .ics is pinned in testdata/<name>.ics.
// Regenerate after an intended change: go test ./signalling/meeting -run TestGolden -update
func goldenCases(t *testing.T) map[string]struct {
	cfg Config
	m   *Meeting
} {
	organizer := testConfig
	organizer.OrganizerEmail, organizer.OrganizerName = "alice@example.com", "Alice Doe"

	oneOff := fixedMeeting(t, validInput())

	weekly := fixedMeeting(t, Input{Title: "Réunion d'équipe hebdomadaire", Start: "2026-03-02T09:30",
		End: "2026-03-02T10:00", TimeZone: "America/New_York", Recurrence: "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260601",
		Lang: LangFrench})

	cancelled := fixedMeeting(t, validInput())
	if err := cancelled.Cancel(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	utcLong := fixedMeeting(t, Input{Title: `Q&A <b>"all hands"</b>; budget, hiring \ roadmap — ` + strings.Repeat("ünïcödé ", 12),
		Start: "2026-12-01T16:00:00Z", End: "2026-12-01T17:30:00Z", TimeZone: "UTC"})

	kolkata := fixedMeeting(t, Input{Title: "Stand-up", Start: "2026-12-01T09:00", End: "2026-12-01T09:15",
		TimeZone: "Asia/Kolkata", Recurrence: "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=20"})

	return map[string]struct {
		cfg Config
		m   *Meeting
	}{
		"one_off_paris":         {organizer, oneOff},
		"weekly_new_york_fr":    {testConfig, weekly},
		"cancelled":             {testConfig, cancelled},
		"utc_no_sip_long_title": {Config{PublicURL: "https://meet.example.com"}, utcLong},
		"daily_kolkata":         {testConfig, kolkata},
	}
}

func TestGoldenICS(t *testing.T) {
	for name, c := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			got, err := c.cfg.ICS(c.m)
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, got)
			parseICS(t, got)
			path := filepath.Join("testdata", name+".ics")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (run with -update if intended)\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}
