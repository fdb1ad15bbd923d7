package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// recordingShown is true when the page shows the indicator and its live region
// says want.
func recordingShown(want string) string {
	return `(() => {
		const ind = document.getElementById("rec-indicator");
		const live = document.getElementById("rec-live");
		return !ind.hidden && ind.offsetParent !== null && ind.textContent.trim() === "Recording" &&
			live.getAttribute("role") === "status" && live.getAttribute("aria-live") === "polite" &&
			live.textContent === ` + jsString(want) + `;
	})()`
}

// A recorder joining the room (a real Recorder, hidden) makes every
// participant's page show a visible "Recording" indicator and announce it in a
// polite live region; someone arriving in the recorded room is told at once;
// when the recording stops, the indicator goes and the stop is announced. The
// files of the pages' cameras and microphones decode cleanly and last to the
// recording's end.
func TestE2ERecordingIndicatorIsShownAndAnnounced(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	defer cancel()
	srv := startServer(t)
	b := startBrowser(t, ctx)
	const room = "recorded"
	alice := b.newPage("alice", true)
	alice.join(srv.URL, room, "Alice")
	if shown := eval[bool](alice, `!document.getElementById("rec-indicator").hidden`); shown {
		t.Fatal("the indicator is shown before any recording")
	}

	dir := t.TempDir()
	rec, err := recording.Start(ctx, recording.Config{URL: srv.URL,
		Token: srv.TokenWith(recording.TokenParams(room, "recorder")), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	alice.waitJS("the recording indicator, announced", recordingShown("This meeting is being recorded."), 15*time.Second)

	bob := b.newPage("bob", false)
	bob.join(srv.URL, room, "Bob")
	bob.waitJS("the indicator on arrival in a recorded meeting", recordingShown("This meeting is being recorded."), 15*time.Second)

	// A few seconds of Chromium's media in the files.
	time.Sleep(5 * time.Second)
	m, err := rec.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Chromium answers the recorder's key frame request at once: alice's
	// files start with the recording, and both pages' files last to its end
	// (within a second).
	checkRecordedFiles(t, dir, m, 2, map[vocab.Source]string{vocab.SourceCamera: "vp8", vocab.SourceMicrophone: "opus"}, time.Second)
	for _, p := range []*page{alice, bob} {
		p.waitJS("the indicator gone and the stop announced", `document.getElementById("rec-indicator").hidden &&
			document.getElementById("rec-live").textContent === "The recording has stopped."`, 15*time.Second)
	}
}
