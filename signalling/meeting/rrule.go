package meeting

import (
	"github.com/teambition/rrule-go"

	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxRecurrenceLen bounds the RRULE value; real rules are a few dozen bytes.
const maxRecurrenceLen = 512

// Limits that keep a recurrence meaningful for a meeting (Outlook stops at 999 occurrences).
const (
	maxCount    = 1000
	maxInterval = 1000
)

// rruleOrder is the canonical order of the parts we emit. FREQ comes first because
// some older clients (Outlook 2010) insist on it.
var rruleOrder = []string{"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYMONTH", "BYWEEKNO",
	"BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST"}

var weekdays = map[string]bool{"MO": true, "TU": true, "WE": true, "TH": true, "FR": true, "SA": true, "SU": true}

// NormalizeRecurrence checks an RFC 5545 RRULE value ("FREQ=WEEKLY;BYDAY=MO,WE", an
// optional "RRULE:" prefix is accepted) for a meeting starting at start in loc, and
// returns it in canonical form: upper case, parts in a fixed order, UNTIL in UTC (as
// RFC 5545 §3.3.10 requires when DTSTART has a TZID; a date or local UNTIL is read
// in loc, a date meaning the end of that day).
//
// The parser is strict on purpose: calendar clients disagree on the exotic parts, so
// we accept only what Outlook, Google Calendar and Thunderbird all understand.
// Frequencies below DAILY and BYHOUR/BYMINUTE/BYSECOND are refused.
// Errors are *FieldError for field "recurrence".
func NormalizeRecurrence(value string, start time.Time, loc *time.Location) (string, error) {
	canon, err := normalizeRecurrence(value, start, loc)
	if err == nil {
		err = checkOccurs(canon, start, loc)
	}
	if err != nil {
		return "", &FieldError{Field: "recurrence", Message: err.Error()}
	}
	return canon, nil
}

// occurrenceHorizon is how far checkOccurs looks for a first occurrence: 28 years
// hold every weekday of every date, leap days included (the calendar repeats), so
// a rule with none in that span has none at all, bar exotic intervals.
const occurrenceHorizon = 28

// checkOccurs refuses a rule that is well-formed but yields no meeting ("every
// 30 February"): calendars would show a series with nothing in it. The search is
// bounded in time, so a hostile rule costs at most a few thousand steps.
func checkOccurs(canon string, start time.Time, loc *time.Location) error {
	opt, err := rrule.StrToROptionInLocation(canon, loc)
	if err != nil {
		return fmt.Errorf("rule not understood: %w", err)
	}
	opt.Dtstart = start.In(loc)
	end := start.AddDate(occurrenceHorizon, 0, 0)
	if opt.Until.IsZero() || opt.Until.After(end) {
		// Ends the search at the horizon. (When nothing matches at all, rrule-go
		// still walks empty periods to year 9999: ~0.3 s for a daily rule, paid
		// only by a rule that is then refused.)
		opt.Until = end
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return fmt.Errorf("rule not understood: %w", err)
	}
	if r.After(start, true).IsZero() {
		return fmt.Errorf("rule %s never occurs (no date within %d years of the start)", canon, occurrenceHorizon)
	}
	return nil
}

func normalizeRecurrence(value string, start time.Time, loc *time.Location) (string, error) {
	if len(value) > maxRecurrenceLen {
		return "", fmt.Errorf("longer than %d bytes", maxRecurrenceLen)
	}
	if len(value) >= 6 && strings.EqualFold(value[:6], "RRULE:") {
		value = value[6:]
	}
	if value == "" {
		return "", fmt.Errorf("empty rule")
	}
	parts := map[string]string{}
	var order []string // input order, so that the first bad part is reported deterministically
	for _, part := range strings.Split(value, ";") {
		name, val, ok := strings.Cut(part, "=")
		if !ok || name == "" || val == "" {
			return "", fmt.Errorf("part %q is not NAME=VALUE", part)
		}
		name, val = strings.ToUpper(name), strings.ToUpper(val)
		if _, dup := parts[name]; dup {
			return "", fmt.Errorf("%s appears twice", name)
		}
		parts[name] = val
		order = append(order, name)
	}

	freq, ok := parts["FREQ"]
	if !ok {
		return "", fmt.Errorf("FREQ is required")
	}
	switch freq {
	case "DAILY", "WEEKLY", "MONTHLY", "YEARLY":
	case "SECONDLY", "MINUTELY", "HOURLY":
		return "", fmt.Errorf("FREQ=%s is not supported for meetings (use DAILY, WEEKLY, MONTHLY or YEARLY)", freq)
	default:
		return "", fmt.Errorf("unknown FREQ %q", freq)
	}

	for _, name := range order {
		val := parts[name]
		var err error
		switch name {
		case "FREQ":
		case "UNTIL":
			if _, hasCount := parts["COUNT"]; hasCount {
				return "", fmt.Errorf("UNTIL and COUNT must not both be set")
			}
			parts[name], err = normalizeUntil(val, start, loc)
		case "COUNT":
			err = checkInt(val, 1, maxCount)
		case "INTERVAL":
			err = checkInt(val, 1, maxInterval)
		case "BYMONTH":
			err = checkIntList(val, 1, 12, false)
		case "BYWEEKNO":
			if freq != "YEARLY" {
				return "", fmt.Errorf("BYWEEKNO is only allowed with FREQ=YEARLY")
			}
			err = checkIntList(val, 1, 53, true)
		case "BYYEARDAY":
			if freq != "YEARLY" {
				return "", fmt.Errorf("BYYEARDAY is only allowed with FREQ=YEARLY")
			}
			err = checkIntList(val, 1, 366, true)
		case "BYMONTHDAY":
			if freq == "WEEKLY" {
				return "", fmt.Errorf("BYMONTHDAY is not allowed with FREQ=WEEKLY")
			}
			err = checkIntList(val, 1, 31, true)
		case "BYDAY":
			err = checkByDay(val, freq, parts)
		case "BYSETPOS":
			if !hasOtherBy(parts) {
				return "", fmt.Errorf("BYSETPOS needs another BYxxx part")
			}
			err = checkIntList(val, 1, 366, true)
		case "WKST":
			if !weekdays[val] {
				err = fmt.Errorf("%q is not a weekday (MO..SU)", val)
			}
		case "BYHOUR", "BYMINUTE", "BYSECOND":
			return "", fmt.Errorf("%s is not supported for meetings", name)
		default:
			return "", fmt.Errorf("unknown part %q", name)
		}
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
	}

	var b strings.Builder
	for _, name := range rruleOrder {
		if val, ok := parts[name]; ok {
			if b.Len() > 0 {
				b.WriteByte(';')
			}
			b.WriteString(name + "=" + val)
		}
	}
	return b.String(), nil
}

func normalizeUntil(val string, start time.Time, loc *time.Location) (string, error) {
	var until time.Time
	var err error
	switch {
	case len(val) == 8:
		var day time.Time
		day, err = time.ParseInLocation("20060102", val, loc)
		until = day.AddDate(0, 0, 1).Add(-time.Second)
	case len(val) == 15:
		until, err = time.ParseInLocation("20060102T150405", val, loc)
	case len(val) == 16 && val[15] == 'Z':
		until, err = time.Parse("20060102T150405Z", val)
	default:
		return "", fmt.Errorf("%q is not YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ", val)
	}
	if err != nil {
		return "", fmt.Errorf("%q is not a valid date: %w", val, err)
	}
	if until.Before(start) {
		return "", fmt.Errorf("%s is before the start of the meeting", val)
	}
	return until.UTC().Format("20060102T150405Z"), nil
}

func checkInt(val string, lo, hi int) error {
	if val[0] == '+' || val[0] == '-' {
		return fmt.Errorf("%q must be a plain number", val)
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("%q is not a number from %d to %d", val, lo, hi)
	}
	return nil
}

// checkIntList checks a comma-separated list; signed allows "-1" (from the end) and "+1".
func checkIntList(val string, lo, hi int, signed bool) error {
	for _, item := range strings.Split(val, ",") {
		if item == "" {
			return fmt.Errorf("empty list item")
		}
		digits := item
		if signed && (item[0] == '+' || item[0] == '-') {
			digits = item[1:]
		}
		if digits == "" {
			return fmt.Errorf("%q is not a number", item)
		}
		if err := checkInt(digits, lo, hi); err != nil {
			return err
		}
	}
	return nil
}

func checkByDay(val, freq string, parts map[string]string) error {
	for _, item := range strings.Split(val, ",") {
		if len(item) < 2 || !weekdays[item[len(item)-2:]] {
			return fmt.Errorf("%q is not a weekday like MO or 1MO", item)
		}
		ordinal := item[:len(item)-2]
		if ordinal == "" {
			continue
		}
		// RFC 5545 §3.3.10: a numbered BYDAY only makes sense in MONTHLY or YEARLY rules,
		// and not in a YEARLY rule with BYWEEKNO.
		_, byWeekNo := parts["BYWEEKNO"]
		if (freq != "MONTHLY" && freq != "YEARLY") || byWeekNo {
			return fmt.Errorf("%q: numbered weekdays need FREQ=MONTHLY or FREQ=YEARLY without BYWEEKNO", item)
		}
		hi := 5
		if freq == "YEARLY" {
			hi = 53
		}
		if err := checkIntList(ordinal, 1, hi, true); err != nil {
			return fmt.Errorf("%q: %w", item, err)
		}
	}
	return nil
}

func hasOtherBy(parts map[string]string) bool {
	for name := range parts {
		if strings.HasPrefix(name, "BY") && name != "BYSETPOS" {
			return true
		}
	}
	return false
}
