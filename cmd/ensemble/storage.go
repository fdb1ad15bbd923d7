package main

import (
	"errors"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/recording/jobs"
)

// newStorage is where finished recordings go: nil keeps them in the
// recordings directory.
func newStorage(c config.S3) (jobs.Storage, error) {
	if c.Endpoint == "" {
		return nil, nil
	}
	return nil, errors.New("recording.s3: object storage is not available in this build")
}
