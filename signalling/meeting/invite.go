package meeting

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// labels holds the words of an invitation in one language.
type labels struct {
	cancelled, recurring, join, sip, phone, pin string
	days                                        [7]string  // Sunday first, as time.Weekday
	months                                      [12]string // January first
	date                                        func(l *labels, t time.Time) string
}

var english = labels{
	cancelled: "This meeting has been cancelled.",
	recurring: "Recurring meeting",
	join:      "Join the meeting",
	sip:       "Join from a video conferencing system",
	phone:     "Join by phone",
	pin:       "PIN",
	days:      [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	months: [12]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"},
	date: func(l *labels, t time.Time) string {
		return fmt.Sprintf("%s, %s %d, %d", l.days[t.Weekday()], l.months[t.Month()-1], t.Day(), t.Year())
	},
}

// French typography wants a no-break space before ':'.
var french = labels{
	cancelled: "Cette réunion a été annulée.",
	recurring: "Réunion récurrente",
	join:      "Rejoindre la réunion",
	sip:       "Rejoindre depuis un système de visioconférence",
	phone:     "Rejoindre par téléphone",
	pin:       "code",
	days:      [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
	months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
		"août", "septembre", "octobre", "novembre", "décembre"},
	date: func(l *labels, t time.Time) string {
		return fmt.Sprintf("%s %d %s %d", l.days[t.Weekday()], t.Day(), l.months[t.Month()-1], t.Year())
	},
}

func labelsFor(lang string) (*labels, string) {
	if lang == LangFrench {
		return &french, "\u00a0: "
	}
	return &english, ": "
}

// when formats the time span in the meeting's zone, e.g.
// "Tuesday, December 1, 2026, 10:00 – 11:00 (Europe/Paris)".
func (l *labels) when(m *Meeting) string {
	loc, err := LoadZone(m.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	start, end := m.Start.In(loc), m.End.In(loc)
	span := l.date(l, start) + ", " + start.Format("15:04") + " – "
	if start.YearDay() != end.YearDay() || start.Year() != end.Year() {
		span += l.date(l, end) + ", "
	}
	return span + end.Format("15:04") + " (" + loc.String() + ")"
}

// Invite builds the invitation text (plain and HTML) in the meeting's language.
// Every value placed in the HTML is escaped: titles come from users.
func (c Config) Invite(m *Meeting) Invite {
	l, colon := labelsFor(m.Lang)
	join, sipURI, dial := c.JoinURL(m), c.SIPURI(m), c.DialIn(m)

	var text, h strings.Builder
	if m.Status == StatusCancelled {
		text.WriteString(l.cancelled + "\n\n")
		h.WriteString("<p><strong>" + html.EscapeString(l.cancelled) + "</strong></p>\n")
	}
	text.WriteString(m.Title + "\n" + l.when(m) + "\n")
	h.WriteString("<p><strong>" + html.EscapeString(m.Title) + "</strong><br>\n" + html.EscapeString(l.when(m)))
	if m.Recurrence != "" {
		text.WriteString(l.recurring + "\n")
		h.WriteString("<br>\n" + html.EscapeString(l.recurring))
	}
	h.WriteString("</p>\n")

	text.WriteString("\n" + l.join + colon + join + "\n")
	h.WriteString(fmt.Sprintf("<p>%s%s<a href=\"%s\">%s</a></p>\n",
		html.EscapeString(l.join), colon, html.EscapeString(join), html.EscapeString(join)))
	if sipURI != "" {
		text.WriteString(l.sip + strings.TrimRight(colon, " ") + "\n" + sipURI + "\n")
		h.WriteString(fmt.Sprintf("<p>%s%s<br>\n<a href=\"%s\">%s</a></p>\n",
			html.EscapeString(l.sip), strings.TrimRight(colon, " "), html.EscapeString(sipURI), html.EscapeString(sipURI)))
	}
	if dial != nil {
		text.WriteString(fmt.Sprintf("%s%s%s, %s%s%s#\n", l.phone, colon, dial.Number, l.pin, colon, dial.PIN))
		h.WriteString(fmt.Sprintf("<p>%s%s<a href=\"%s\">%s</a>, %s%s%s#</p>\n",
			html.EscapeString(l.phone), colon, html.EscapeString(telURI(dial.Number)),
			html.EscapeString(dial.Number), html.EscapeString(l.pin), colon, html.EscapeString(dial.PIN)))
	}
	return Invite{Text: text.String(), HTML: h.String()}
}

// telURI makes an RFC 3966 tel: link from a number written with spaces or dots.
func telURI(number string) string {
	var b strings.Builder
	b.WriteString("tel:")
	for _, r := range number {
		if r == '+' || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
