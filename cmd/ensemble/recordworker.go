package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/recording/worker"
)

// runRecordWorker is `ensemble record-worker`: records the rooms that a server
// started with recording.workers queues (package recording/worker). Object
// storage comes from the ENSEMBLE_S3_* variables, as for the server.
func runRecordWorker(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("record-worker", flag.ContinueOnError)
	url := fs.String("url", envOr("ENSEMBLE_URL", "http://127.0.0.1:7880"), "server address ($ENSEMBLE_URL)")
	key := fs.String("api-key", os.Getenv("ENSEMBLE_API_KEY"), "API key ($ENSEMBLE_API_KEY)")
	secret := fs.String("api-secret", os.Getenv("ENSEMBLE_API_SECRET"), "API secret ($ENSEMBLE_API_SECRET)")
	node := fs.String("node", "", "this worker's name in its recordings (default the host name)")
	dir := fs.String("recordings-dir", "", "directory of the recordings (default <data dir>/recordings)")
	maxRec := fs.Int("max-recordings", 0, "recordings at once (0 = no bound)")
	minFree := fs.Int("min-free-mb", config.DefaultRecordingMinFreeMB, "free MiB the directory needs for a recording to start")
	ffmpeg := fs.String("ffmpeg", "", "ffmpeg program composing recordings (default ffmpeg on the PATH)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *key == "" || *secret == "" {
		return errors.New("give --api-key and --api-secret (or $ENSEMBLE_API_KEY and $ENSEMBLE_API_SECRET)")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if *dir == "" {
		*dir = filepath.Join(config.DefaultDataDir(nil), "recordings")
	}
	env := config.Default(false)
	if err := config.ApplyEnv(env, nil); err != nil {
		return err
	}
	storage, err := newStorage(ctx, env.Recording.S3, log)
	if err != nil {
		return err
	}
	w, err := worker.New(worker.Config{URL: *url, APIKey: *key, APISecret: *secret, Node: nodeName(*node),
		Dir: *dir, Storage: storage, MaxConcurrent: *maxRec, MinFreeBytes: uint64(*minFree) << 20,
		FFmpeg: *ffmpeg, Logger: log})
	if err != nil {
		return err
	}
	if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
