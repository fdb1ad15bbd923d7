package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// StartRecording records room (POST /api/v1/rooms/{room}/recordings).
func (c *Client) StartRecording(ctx context.Context, room string, in apiwire.StartRecordingRequest) (store.Recording, error) {
	var out store.Recording
	_, err := c.do(ctx, "POST", "/api/v1/rooms/"+esc(room)+"/recordings", in, &out, nil)
	return out, err
}

// StopRecording stops recording id of room; the answer comes once its files are closed.
func (c *Client) StopRecording(ctx context.Context, room, id string) (store.Recording, error) {
	var out store.Recording
	_, err := c.do(ctx, "DELETE", "/api/v1/rooms/"+esc(room)+"/recordings/"+esc(id), nil, &out, nil)
	return out, err
}

// GetRecording reads one recording, its status and its files.
func (c *Client) GetRecording(ctx context.Context, id string) (store.Recording, error) {
	var out store.Recording
	_, err := c.do(ctx, "GET", "/api/v1/recordings/"+esc(id), nil, &out, nil)
	return out, err
}

// ListRecordings lists room's recordings, oldest first.
func (c *Client) ListRecordings(ctx context.Context, room string) ([]store.Recording, error) {
	var out apiwire.RecordingList
	_, err := c.do(ctx, "GET", "/api/v1/rooms/"+esc(room)+"/recordings", nil, &out, nil)
	return out.Recordings, err
}

// ClaimRecording takes the oldest queued recording for the record worker node
// (POST /api/v1/recording-jobs); ok is false when none waits.
func (c *Client) ClaimRecording(ctx context.Context, node string) (rec store.Recording, ok bool, err error) {
	var raw []byte
	status, err := c.do(ctx, "POST", "/api/v1/recording-jobs", apiwire.ClaimRequest{Node: node}, &raw, nil)
	if err != nil || status == http.StatusNoContent {
		return store.Recording{}, false, err
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return store.Recording{}, false, fmt.Errorf("claim: decode response: %w", err)
	}
	return rec, true, nil
}

// RenewLease renews the worker's claim on a recording and lists the files
// written so far (POST /api/v1/recording-jobs/{id}/lease); the recording
// returned says whether to stop.
func (c *Client) RenewLease(ctx context.Context, id string, in apiwire.LeaseRequest) (store.Recording, error) {
	var out store.Recording
	_, err := c.do(ctx, "POST", "/api/v1/recording-jobs/"+esc(id)+"/lease", in, &out, nil)
	return out, err
}

// ReportRecording stores the state of a recording the worker claimed and
// returns the stored recording (its StopRequested says whether to stop).
func (c *Client) ReportRecording(ctx context.Context, id string, in apiwire.RecordingReport) (store.Recording, error) {
	var out store.Recording
	_, err := c.do(ctx, "PUT", "/api/v1/recording-jobs/"+esc(id), in, &out, nil)
	return out, err
}
