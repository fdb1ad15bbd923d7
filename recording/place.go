package recording

import "time"

const (
	// reportSlack is how much later than its first packet's arrival a
	// report-based start may fall (the offset is the fastest report's delay;
	// a packet may travel faster by this much).
	reportSlack = 50 * time.Millisecond
	// reportMaxDelay is how much earlier it may fall: more than any delay
	// between sending and reading a packet.
	reportMaxDelay = time.Second
)

// place puts a finished file on the recording's time line: by its sender
// report and the participant's clock offset, or by its first packet's arrival
// when there is no report, or when the report's answer cannot be true (the
// frame would have arrived before it was sent, or long after): the report then
// described another run of the stream, across a break the recorder did not see.
func (r *Recorder) place(f recordedFile) File {
	e := f.entry
	e.StartOffset, e.Sync = f.firstArrival.Sub(r.start), SyncArrival
	if f.senderStart.IsZero() {
		return e
	}
	o, ok := r.clocks.offset(e.ParticipantSID)
	if !ok {
		return e
	}
	at := f.senderStart.Add(o)
	if at.After(f.firstArrival.Add(reportSlack)) || at.Before(f.firstArrival.Add(-reportMaxDelay)) {
		r.log.Warn("recording: sender report disagrees with arrival, start placed by arrival",
			"path", e.Path, "by_report", at.Sub(r.start), "by_arrival", e.StartOffset)
		return e
	}
	e.StartOffset, e.Sync = at.Sub(r.start), SyncSenderReport
	return e
}

// keepRunOrder makes each file of a track start no earlier than the end of
// the track's previous file. files lists every track's files in the order they
// were written. Two files of one track may be placed by different clocks
// (the first by its arrival, before any sender report; the next by a report),
// which disagree by the packets' transit time: a one-frame file (a layer held
// a moment) was seen placed 3 ms after its successor, so that the manifest,
// sorted by start, listed the successor first and a composition would have
// drawn the stale frame over it. The order in which the files were written is
// the truth; a frame's time at most is lost.
func keepRunOrder(files []File) {
	end := map[string]time.Duration{} // by track: where its last file ends
	for i := range files {
		f := &files[i]
		if prev, ok := end[f.TrackSID]; ok && f.StartOffset < prev {
			f.StartOffset = prev
		}
		end[f.TrackSID] = f.StartOffset + f.Duration
	}
}
