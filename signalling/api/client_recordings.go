package api

import (
	"context"

	"github.com/ensemble-sfu/ensemble/signalling/store"
)

// StartRecording records room (POST /api/v1/rooms/{room}/recordings).
func (c *Client) StartRecording(ctx context.Context, room string, in StartRecordingRequest) (store.Recording, error) {
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
	var out RecordingList
	_, err := c.do(ctx, "GET", "/api/v1/rooms/"+esc(room)+"/recordings", nil, &out, nil)
	return out.Recordings, err
}
