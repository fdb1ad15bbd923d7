package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/recording/s3store"
)

// newStorage is where finished recordings go: nil keeps them in the
// recordings directory. Wrong credentials or a missing bucket stop the start
// (the configuration is wrong); an endpoint that does not answer yet is only
// logged, since uploads retry.
func newStorage(ctx context.Context, c config.S3, log *slog.Logger) (jobs.Storage, error) {
	if c.Endpoint == "" {
		return nil, nil
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := s3store.New(cctx, s3store.Config{Endpoint: c.Endpoint, Insecure: c.Insecure, Bucket: c.Bucket,
		Region: c.Region, AccessKey: c.AccessKey, SecretKey: c.SecretKey, Prefix: c.Prefix, Logger: log})
	switch {
	case errors.Is(err, s3store.ErrCredentials), errors.Is(err, s3store.ErrNoBucket), errors.Is(err, s3store.ErrConfig):
		return nil, fmt.Errorf("recording.s3: %w", err)
	case err != nil:
		log.Warn("recording storage not reachable now; uploads will retry", "endpoint", c.Endpoint, "err", err)
	default:
		log.Info("recordings go to object storage", "location", st.Location(""))
	}
	return st, nil
}
