package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

var errNotClaimable = errors.New("not claimable")

func (h *handler) leaseTTL() time.Duration {
	if h.Recordings == nil {
		return jobs.DefaultLeaseTTL
	}
	return h.Recordings.LeaseTTL()
}

// renewLease extends a worker's claim (jobs.Runner.RenewLease); the answer
// carries stop_requested, which the worker follows. 409 when the recording is
// another node's or has ended (its lease may have lapsed): the worker stops it.
func (h *handler) renewLease(req *request) *apiwire.Problem {
	var in apiwire.LeaseRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if in.Node == "" {
		return invalid("node", "is required: the worker's name")
	}
	if h.Recordings == nil {
		return newProblem(http.StatusServiceUnavailable, "recording_unavailable", "recording is not enabled on this server")
	}
	id := req.r.PathValue("id")
	rec, err := h.Recordings.RenewLease(req.r.Context(), id, in.Node, in.Files)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return recordingNotFound(id)
	case errors.Is(err, jobs.ErrNotYours), errors.Is(err, jobs.ErrEnded):
		return newProblem(http.StatusConflict, "recording_not_yours", err.Error())
	case err != nil:
		return internal(h.log, req.r, fmt.Errorf("lease %s: %w", id, err))
	}
	writeJSON(req.w, http.StatusOK, rec)
	return nil
}

// claimRecording gives the oldest queued recording to the asking worker: the
// claim is a compare-and-swap of its node in the store, so two workers never
// get the same one. 204 when none waits.
func (h *handler) claimRecording(req *request) *apiwire.Problem {
	var in apiwire.ClaimRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if in.Node == "" {
		return invalid("node", "is required: the worker's name")
	}
	ctx := req.r.Context()
	recs, err := h.Store.ListRecordings(ctx, "")
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("claim: %w", err))
	}
	for _, r := range recs {
		if r.Node != "" || r.Status != store.RecordingStarting {
			continue
		}
		got, err := h.Store.UpdateRecording(ctx, r.ID, func(x *store.Recording) error {
			if x.Node != "" || x.Status != store.RecordingStarting || x.StopRequested {
				return errNotClaimable
			}
			x.Node = in.Node
			x.LeaseUntil = time.Now().Add(h.leaseTTL()).UTC()
			return nil
		})
		if errors.Is(err, errNotClaimable) {
			continue // another worker was faster
		}
		if err != nil {
			return internal(h.log, req.r, fmt.Errorf("claim %s: %w", r.ID, err))
		}
		h.log.Info("recording claimed", "recording", got.ID, "room", got.Room, "node", in.Node)
		writeJSON(req.w, http.StatusOK, got)
		return nil
	}
	req.w.WriteHeader(http.StatusNoContent)
	return nil
}

var (
	errNotYours   = errors.New("the recording is claimed by another node")
	errEndedState = errors.New("the recording has ended; its state is final")
)

// reportRecording stores a worker's report of the recording it claimed, and
// sends the webhooks of its change of status; the answer carries
// stop_requested, which the worker follows.
func (h *handler) reportRecording(req *request) *apiwire.Problem {
	var in apiwire.RecordingReport
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	switch in.Status {
	case store.RecordingStarting, store.RecordingRecording, store.RecordingComposing, store.RecordingUploading,
		store.RecordingComplete, store.RecordingFailed:
	default:
		return invalid("status", "%q is not a recording status", in.Status)
	}
	id := req.r.PathValue("id")
	var before store.RecordingStatus
	rec, err := h.Store.UpdateRecording(req.r.Context(), id, func(x *store.Recording) error {
		switch {
		case x.Node != in.Node:
			return errNotYours
		case x.Status.Ended():
			return errEndedState
		}
		before = x.Status
		x.Status, x.Reason, x.StartedAt, x.EndedAt = in.Status, in.Reason, in.StartedAt, in.EndedAt
		x.Location, x.Files, x.Composite = in.Location, in.Files, in.Composite
		if x.Files == nil {
			x.Files = []store.RecordingFile{}
		}
		if len(in.Manifest) > 0 {
			x.Manifest = in.Manifest
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return recordingNotFound(id)
	case errors.Is(err, errNotYours), errors.Is(err, errEndedState):
		return newProblem(http.StatusConflict, "recording_not_yours", err.Error())
	case err != nil:
		return internal(h.log, req.r, fmt.Errorf("report %s: %w", id, err))
	}
	jobs.Notify(h.Webhooks, before, rec)
	writeJSON(req.w, http.StatusOK, rec)
	return nil
}
