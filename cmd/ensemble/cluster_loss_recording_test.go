package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// SIGKILL of the node that hosts a room and records it: the recording does not
// stay "recording" for ever nor lose its files. The room's next host marks it
// failed ("node-1 was lost") with the files of the lost node's last lease
// renewal, listed as partial (they are still on that node's disk), and records
// the room on at once, in a new recording that says which one it continues.
func TestClusterNodeLossFailsItsRecordingAndTheNewHostRecordsOn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	a, b, c, _ := followRoomOnNode1(t, ctx, "taped")
	admin := adminClient(t, c)
	rec, err := admin.StartRecording(ctx, "taped", apiwire.StartRecordingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Node != "node-1" || !rec.InClusterNode {
		t.Fatalf("the recording runs on %q (in cluster node: %v), want node-1's own", rec.Node, rec.InClusterNode)
	}
	poll(ctx, t, "the recording under way, its files listed by a lease renewal", func() bool {
		r, err := admin.GetRecording(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status == store.RecordingRecording && filesBytes(r.Files) > 8<<10
	})

	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.exited
	var lost store.Recording
	waitFor(t, 20*time.Second, "the lost node's recording failed and continued", func() bool {
		lost, err = admin.GetRecording(ctx, rec.ID)
		return err == nil && lost.Status == store.RecordingFailed && lost.ContinuedBy != ""
	})
	if !strings.Contains(lost.Reason, "node-1 was lost") {
		t.Errorf("reason %q does not say node-1 was lost", lost.Reason)
	}
	if len(lost.Files) == 0 {
		t.Fatal("the failed recording lists no files")
	}
	for _, file := range lost.Files {
		st, err := os.Stat(file.Path)
		switch {
		case !file.Partial || file.Bytes <= 0 || file.Kind != "audio":
			t.Errorf("partial file %+v", file)
		case err != nil:
			t.Errorf("the partial file is not on the lost node's disk: %v", err)
		case st.Size() < file.Bytes:
			t.Errorf("%s: %d bytes on disk, %d listed", file.Path, st.Size(), file.Bytes)
		}
	}

	next, err := admin.GetRecording(ctx, lost.ContinuedBy)
	if err != nil {
		t.Fatal(err)
	}
	host := roomNode(t, ctx, b, "taped")
	if next.Continues != rec.ID || next.Node != host || next.Room != "taped" {
		t.Fatalf("the continuation %+v: want it to continue %s on the room's host %s", next, rec.ID, host)
	}
	poll(ctx, t, "the continuation recording media", func() bool {
		r, err := admin.GetRecording(ctx, next.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status == store.RecordingRecording && filesBytes(r.Files) > 8<<10
	})
	done, err := admin.StopRecording(ctx, "taped", next.ID)
	if err != nil {
		t.Fatal(err)
	}
	poll(ctx, t, "the continuation complete", func() bool {
		done, err = admin.GetRecording(ctx, next.ID)
		return err == nil && done.Status == store.RecordingComplete
	})
	if len(done.Files) == 0 || done.Files[0].Kind != "audio" || done.Files[0].Partial {
		t.Errorf("the continuation's files %+v", done.Files)
	}
}

// filesBytes is the sum of the files' sizes.
func filesBytes(files []store.RecordingFile) int64 {
	var n int64
	for _, f := range files {
		n += f.Bytes
	}
	return n
}
