package web_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
)

// pageLog keeps what a page printed to its console, the exceptions it did not
// catch, the requests that failed and the ones still without an answer, so
// that a failure message says what the page's script complained of or waited
// for (a module that never loaded, a request refused).
type pageLog struct {
	mu      sync.Mutex
	kept    []string
	pending map[network.RequestID]string // URL of each request not answered yet
}

// pageLogLimit bounds the lines kept: a failure message needs the first
// complaints, not a page's whole life.
const pageLogLimit = 50

// take is a chromedp.Listen func: it must return fast and never call chromedp.
func (l *pageLog) take(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if l.pending == nil {
			l.pending = map[network.RequestID]string{}
		}
		l.pending[ev.RequestID] = ev.Request.URL
	case *network.EventLoadingFinished:
		delete(l.pending, ev.RequestID)
	case *network.EventLoadingFailed:
		l.add(fmt.Sprintf("request failed: %s: %s", l.pending[ev.RequestID], ev.ErrorText))
		delete(l.pending, ev.RequestID)
	case *runtime.EventConsoleAPICalled:
		args := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		l.add(fmt.Sprintf("console %s: %s", ev.Type, strings.Join(args, " ")))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		line := "exception: " + d.Text
		if d.Exception != nil {
			line += " " + d.Exception.Description
		}
		l.add(line)
	case *cdplog.EventEntryAdded:
		l.add(fmt.Sprintf("log %s: %s %s", ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
	}
}

// add keeps one line (l.mu held).
func (l *pageLog) add(line string) {
	if len(l.kept) < pageLogLimit {
		l.kept = append(l.kept, line)
	}
}

// String returns what was kept, one line each, and the requests still pending.
func (l *pageLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines := slices.Clone(l.kept)
	pending := make([]string, 0, len(l.pending))
	for _, u := range l.pending {
		pending = append(pending, u)
	}
	slices.Sort(pending)
	for _, u := range pending {
		lines = append(lines, "pending: "+u)
	}
	return strings.Join(lines, "\n")
}
