package meeting

import (
	"fmt"
	"time"
)

// transition is a change of UTC offset or abbreviation in a zone.
type transition struct {
	at         time.Time // instant of the change
	fromOffset int       // seconds east of UTC before
	toOffset   int       // after
	name       string    // abbreviation after, e.g. "CEST"
	dst        bool      // daylight saving time after
}

// onset is the local wall time of the change, in the offset before it, as RFC 5545
// §3.6.5 wants for an observance's DTSTART.
func (t transition) onset() time.Time {
	return t.at.UTC().Add(time.Duration(t.fromOffset) * time.Second)
}

// observanceKey groups transitions that are "the same rule in different years".
type observanceKey struct {
	dst                  bool
	fromOffset, toOffset int
	name                 string
}

// writeVTimezone writes a VTIMEZONE for loc that is exact from the year before start
// to the year after it (Go's tzdata has no rules, only transitions, so we rebuild
// them): each kind of transition becomes a STANDARD or DAYLIGHT observance with a
// yearly RRULE when its dates follow one (e.g. last Sunday of March), or RDATEs.
func writeVTimezone(w *icsWriter, loc *time.Location, start time.Time) {
	year := start.In(loc).Year()
	from := time.Date(year-1, 1, 1, 0, 0, 0, 0, loc)
	until := time.Date(year+2, 1, 1, 0, 0, 0, 0, loc)
	transitions := zoneTransitions(loc, from, until)

	w.line("BEGIN", "VTIMEZONE")
	w.text("TZID", loc.String())
	if len(transitions) == 0 || transitions[0].at.After(start) {
		// No change before the meeting in our window: the state at the window's start
		// needs an observance of its own, or the meeting's time would be undefined.
		name, offset := from.Zone()
		writeObservance(w, from.IsDST(), offset, offset, name,
			[]time.Time{from.UTC().Add(time.Duration(offset) * time.Second)}, "")
	}
	var order []observanceKey
	groups := map[observanceKey][]time.Time{}
	for _, t := range transitions {
		k := observanceKey{dst: t.dst, fromOffset: t.fromOffset, toOffset: t.toOffset, name: t.name}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t.onset())
	}
	for _, k := range order {
		onsets := groups[k]
		writeObservance(w, k.dst, k.fromOffset, k.toOffset, k.name, onsets, yearlyRule(onsets, year-1, year+1))
	}
	w.line("END", "VTIMEZONE")
}

func writeObservance(w *icsWriter, dst bool, fromOffset, toOffset int, name string, onsets []time.Time, rule string) {
	kind := "STANDARD"
	if dst {
		kind = "DAYLIGHT"
	}
	w.line("BEGIN", kind)
	w.line("DTSTART", onsets[0].Format(icsLocal))
	w.line("TZOFFSETFROM", formatOffset(fromOffset))
	w.line("TZOFFSETTO", formatOffset(toOffset))
	if rule != "" {
		w.line("RRULE", rule)
	} else {
		for _, o := range onsets[1:] {
			w.line("RDATE", o.Format(icsLocal))
		}
	}
	if name != "" {
		w.text("TZNAME", name)
	}
	w.line("END", kind)
}

// zoneTransitions lists the transitions of loc in [from, until).
func zoneTransitions(loc *time.Location, from, until time.Time) []transition {
	var out []transition
	t := from
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(until) {
			return out
		}
		_, before := end.Add(-time.Second).Zone()
		after := end.In(loc)
		name, offset := after.Zone()
		out = append(out, transition{at: end, fromOffset: before, toOffset: offset, name: name, dst: after.IsDST()})
		t = end
	}
}

var icsWeekdays = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// yearlyRule returns "FREQ=YEARLY;BYMONTH=m;BYDAY=nWD" when onsets are exactly one per
// year from firstYear to lastYear, all in the same month, on the same weekday and
// time, and the same (or the last) such weekday of the month; else "".
func yearlyRule(onsets []time.Time, firstYear, lastYear int) string {
	if len(onsets) != lastYear-firstYear+1 {
		return ""
	}
	first := onsets[0]
	nth, last := weekdayOrdinal(first)
	sameNth := true
	for i, o := range onsets {
		if o.Year() != firstYear+i || o.Month() != first.Month() || o.Weekday() != first.Weekday() ||
			o.Hour() != first.Hour() || o.Minute() != first.Minute() || o.Second() != first.Second() {
			return ""
		}
		n, l := weekdayOrdinal(o)
		sameNth = sameNth && n == nth
		last = last && l
	}
	var ord string
	switch {
	case last:
		ord = "-1"
	case sameNth:
		ord = fmt.Sprint(nth)
	default:
		return ""
	}
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%s%s", int(first.Month()), ord, icsWeekdays[first.Weekday()])
}

// weekdayOrdinal says which occurrence of its weekday t is in its month (1..5) and
// whether it is the last one.
func weekdayOrdinal(t time.Time) (nth int, last bool) {
	daysInMonth := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return (t.Day()-1)/7 + 1, t.Day()+7 > daysInMonth
}

// formatOffset writes a UTC offset as RFC 5545 UTC-OFFSET: ±HHMM[SS].
func formatOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	h, m, s := seconds/3600, seconds/60%60, seconds%60
	if s != 0 {
		return fmt.Sprintf("%s%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%s%02d%02d", sign, h, m)
}
