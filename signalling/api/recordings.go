package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// retryAfterBusy is what a 503 for a node at its recording limit asks the
// client to wait: about the time a short recording takes to end.
const retryAfterBusy = 30 * time.Second

// stopWait bounds how long DELETE waits for the recorder to close its files.
const stopWait = 20 * time.Second

// recordGrant is the route check of the recording routes: the record grant for
// the room (CheckRecord: a token with a room claim), or room_admin (which a
// server-wide API client has).
func recordGrant(c *auth.Claims) error {
	if c.Grants.RoomAdmin {
		return nil
	}
	if err := c.CheckGrant(auth.GrantRecord); err != nil {
		return fmt.Errorf("%w (or room_admin)", err)
	}
	if c.Room == "" {
		return c.CheckRecord("")
	}
	return nil
}

func (h *handler) recordingsOff() *apiwire.Problem {
	return newProblem(http.StatusServiceUnavailable, "recording_disabled", "this server does not record")
}

func (h *handler) startRecording(req *request) *apiwire.Problem {
	if h.Recordings == nil {
		return h.recordingsOff()
	}
	var in apiwire.StartRecordingRequest
	if p := decodeBody(req.w, req.r, &in); p != nil {
		return p
	}
	if _, _, p := h.lookupRoom(req); p != nil {
		return p
	}
	room := req.r.PathValue("room")
	rec, err := h.Recordings.Start(req.r.Context(), room, store.RecordingOptions{
		Composite: in.Composite, Layout: in.Layout, AudioOnly: in.AudioOnly,
	})
	if err != nil {
		return h.recordingProblem(req, err)
	}
	h.log.Info("recording requested", "room", room, "recording", rec.ID, "by", req.claims.APIKey())
	req.w.Header().Set("Location", "/api/v1/recordings/"+rec.ID)
	writeJSON(req.w, http.StatusCreated, rec)
	return nil
}

func (h *handler) listRecordings(req *request) *apiwire.Problem {
	if h.Store == nil {
		return h.recordingsOff()
	}
	recs, err := h.Store.ListRecordings(req.r.Context(), req.r.PathValue("room"))
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("list recordings: %w", err))
	}
	writeJSON(req.w, http.StatusOK, apiwire.RecordingList{Recordings: recs})
	return nil
}

// getRecording answers a recording of the token's room only: another room's
// is not found, as if it did not exist.
func (h *handler) getRecording(req *request) *apiwire.Problem {
	id := req.r.PathValue("id")
	rec, err := h.Store.GetRecording(req.r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && req.outOfScope(rec.Room)) {
		return recordingNotFound(id)
	}
	if err != nil {
		return internal(h.log, req.r, fmt.Errorf("get recording: %w", err))
	}
	writeJSON(req.w, http.StatusOK, rec)
	return nil
}

func (h *handler) stopRecording(req *request) *apiwire.Problem {
	if h.Recordings == nil {
		return h.recordingsOff()
	}
	ctx, cancel := context.WithTimeout(req.r.Context(), stopWait)
	defer cancel()
	room, id := req.r.PathValue("room"), req.r.PathValue("id")
	rec, err := h.Recordings.Stop(ctx, room, id)
	if err != nil {
		return h.recordingProblem(req, err)
	}
	h.log.Info("recording stop requested", "room", room, "recording", id, "by", req.claims.APIKey())
	writeJSON(req.w, http.StatusOK, rec)
	return nil
}

func recordingNotFound(id string) *apiwire.Problem {
	return newProblem(http.StatusNotFound, "recording_not_found", fmt.Sprintf("no recording %q", id))
}

// recordingProblem turns the runner's refusals into their answers.
func (h *handler) recordingProblem(req *request, err error) *apiwire.Problem {
	switch {
	case errors.Is(err, jobs.ErrInvalidOptions):
		return invalid("layout", "%v", err)
	case errors.Is(err, jobs.ErrAlreadyRecording):
		return newProblem(http.StatusConflict, "recording_exists", err.Error())
	case errors.Is(err, jobs.ErrBusy):
		req.w.Header().Set("Retry-After", fmt.Sprint(int(retryAfterBusy.Seconds())))
		return newProblem(http.StatusServiceUnavailable, "recording_busy", err.Error()+"; try again later")
	case errors.Is(err, jobs.ErrNoSpace):
		return newProblem(http.StatusInsufficientStorage, "insufficient_storage", err.Error())
	case errors.Is(err, jobs.ErrClosed):
		req.w.Header().Set("Retry-After", fmt.Sprint(int(retryAfterBusy.Seconds())))
		return newProblem(http.StatusServiceUnavailable, "shutting_down", err.Error())
	case errors.Is(err, jobs.ErrEnded):
		return newProblem(http.StatusConflict, "recording_ended", err.Error())
	case errors.Is(err, jobs.ErrWrongRoom), errors.Is(err, store.ErrNotFound):
		return recordingNotFound(req.r.PathValue("id"))
	}
	return internal(h.log, req.r, fmt.Errorf("recording: %w", err))
}
