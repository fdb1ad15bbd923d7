package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/internal/redisconn"
)

// connectRedis builds the one Redis client the store and the cluster share (one
// server, Sentinel or Cluster, as configured) and checks it answers; nil when no
// Redis is configured. The caller closes it after both users are done.
func connectRedis(ctx context.Context, cfg *config.Config, log *slog.Logger) (redis.UniversalClient, error) {
	opts := cfg.Redis.Options()
	if !opts.Enabled() {
		return nil, nil
	}
	rdb, err := redisconn.New(opts)
	if err != nil {
		return nil, err
	}
	// The client's own messages (a failed dial, a sentinel naming a new master)
	// go to the server's log, not to stderr unformatted. The logger is the
	// library's global: one per process, which serve is.
	redis.SetLogger(clientLog{log.With("redis", opts.Describe())})
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis %s does not answer: %w", opts.Describe(), err)
	}
	log.Info("connected to redis", "mode", opts.Mode(), "redis", opts.Describe())
	return rdb, nil
}

// clientLog gives go-redis's messages to slog.
type clientLog struct{ log *slog.Logger }

func (l clientLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client says", "err", fmt.Sprintf(format, v...))
}
