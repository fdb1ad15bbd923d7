package meeting

import (
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

func TestNormalizeRecurrenceAccepts(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, paris)
	cases := []struct{ in, want string }{
		{"FREQ=WEEKLY", "FREQ=WEEKLY"},
		{"RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=WEEKLY;BYDAY=MO,WE"},
		{"byday=tu;freq=weekly;interval=2", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"},
		{"FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"},
		{"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"},
		{"FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=1;COUNT=5", "FREQ=YEARLY;COUNT=5;BYMONTH=12;BYMONTHDAY=1"},
		// UNTIL: a date means the end of that day in the meeting's zone; stored in UTC.
		{"FREQ=DAILY;UNTIL=20261231", "FREQ=DAILY;UNTIL=20261231T225959Z"},
		{"FREQ=DAILY;UNTIL=20261231T100000", "FREQ=DAILY;UNTIL=20261231T090000Z"},
		{"FREQ=DAILY;UNTIL=20261231T100000Z", "FREQ=DAILY;UNTIL=20261231T100000Z"},
		{"FREQ=WEEKLY;WKST=SU;BYDAY=SU", "FREQ=WEEKLY;BYDAY=SU;WKST=SU"},
	}
	for _, c := range cases {
		got, err := NormalizeRecurrence(c.in, start, paris)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q -> %q, want %q", c.in, got, c.want)
		}
		// The canonical form is a fixed point, and a real RRULE library reads it.
		again, err := NormalizeRecurrence(got, start, paris)
		if err != nil || again != got {
			t.Errorf("%q is not a fixed point: %q, %v", got, again, err)
		}
		if _, err := rrule.StrToROption(got); err != nil {
			t.Errorf("rrule-go refuses %q: %v", got, err)
		}
	}
}

func TestNormalizeRecurrenceRefuses(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct{ in, msg string }{
		{"", "empty rule"},
		{"RRULE:", "empty rule"},
		{"BYDAY=MO", "FREQ is required"},
		{"FREQ=WEEKLY;FREQ=DAILY", "FREQ appears twice"},
		{"FREQ=HOURLY", "not supported for meetings"},
		{"FREQ=WEEKLY;", "not NAME=VALUE"},
		{"FREQ=WEEKLY;COUNT=", "not NAME=VALUE"},
		{"FREQ=WEEKLY;X-FOO=1", `unknown part "X-FOO"`},
		{"FREQ=WEEKLY;DTSTART=20261201T100000Z", `unknown part "DTSTART"`},
		{"FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "UNTIL and COUNT"},
		{"FREQ=WEEKLY;UNTIL=20261201T100000Z;COUNT=3", "UNTIL and COUNT"},
		{"FREQ=WEEKLY;COUNT=0", "COUNT"},
		{"FREQ=WEEKLY;COUNT=-1", "COUNT"},
		{"FREQ=WEEKLY;COUNT=1001", "COUNT"},
		{"FREQ=WEEKLY;INTERVAL=+2", "plain number"},
		{"FREQ=WEEKLY;BYDAY=XX", "not a weekday"},
		{"FREQ=WEEKLY;BYDAY=1MO", "numbered weekdays"},
		{"FREQ=MONTHLY;BYDAY=6MO", "from 1 to 5"},
		{"FREQ=MONTHLY;BYDAY=MO,", "not a weekday"},
		{"FREQ=WEEKLY;BYMONTHDAY=1", "not allowed with FREQ=WEEKLY"},
		{"FREQ=MONTHLY;BYMONTHDAY=32", "from 1 to 31"},
		{"FREQ=MONTHLY;BYMONTHDAY=0", "from 1 to 31"},
		{"FREQ=YEARLY;BYMONTH=13", "from 1 to 12"},
		{"FREQ=YEARLY;BYMONTH=-1", "plain number"},
		{"FREQ=MONTHLY;BYWEEKNO=1", "only allowed with FREQ=YEARLY"},
		{"FREQ=MONTHLY;BYYEARDAY=1", "only allowed with FREQ=YEARLY"},
		{"FREQ=MONTHLY;BYSETPOS=1", "needs another BYxxx"},
		{"FREQ=DAILY;BYHOUR=9", "not supported"},
		{"FREQ=DAILY;UNTIL=2026-12-31", "not YYYYMMDD"},
		{"FREQ=DAILY;UNTIL=20261340", "not a valid date"},
		{"FREQ=DAILY;UNTIL=20261130", "before the start"},
		{"FREQ=DAILY\r\nX:1", "unknown FREQ"},
		{"FREQ=WEEKLY;WKST=XX", "not a weekday"},
		{"FREQ=WEEKLY;BYDAY=" + strings.Repeat("MO,", 200) + "MO", "longer than 512"},
	}
	for _, c := range cases {
		_, err := NormalizeRecurrence(c.in, start, time.UTC)
		fe, ok := AsFieldError(err)
		if !ok || fe.Field != "recurrence" {
			t.Errorf("%q: err = %v, want a FieldError on recurrence", c.in, err)
			continue
		}
		if !strings.Contains(fe.Message, c.msg) {
			t.Errorf("%q: message %q does not contain %q", c.in, fe.Message, c.msg)
		}
	}
}

// A well-formed rule that yields no date ("every 30 February") is refused with a
// message that says so; a rare but real one (29 February) is kept.
func TestNormalizeRecurrenceRefusesRulesThatNeverOccur(t *testing.T) {
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
		"FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
		"FREQ=DAILY;COUNT=3;BYMONTH=2;BYMONTHDAY=31",
		"FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1",
	} {
		_, err := NormalizeRecurrence(in, start, time.UTC)
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != "recurrence" || !strings.Contains(fe.Message, "never occurs") {
			t.Errorf("%q: %v, want a recurrence error saying it never occurs", in, err)
		}
	}
	for _, in := range []string{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=MONTHLY;BYMONTHDAY=31"} {
		if _, err := NormalizeRecurrence(in, start, time.UTC); err != nil {
			t.Errorf("%q: %v, want accepted", in, err)
		}
	}
}
