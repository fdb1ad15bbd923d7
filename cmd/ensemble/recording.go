package main

import (
	"context"
	"fmt"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/vocab"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/recording/jobs"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/store"
	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// newRecordingRunner builds the runner of the recordings the API starts: inside
// this process, its recorders joining through addr, or (recording.workers)
// queued for record workers.
//
// On a cluster (onCluster not nil) a recording is named after the cluster node
// that runs it (unless recording.node says otherwise: two nodes on one host
// must not share a name, or one's restart would fail the other's recordings),
// holds a lease, and is continued by the room's next host if that node is lost.
func newRecordingRunner(ctx context.Context, cfg *config.Config, st store.Store, hooks *webhook.Notifier, addr net.Addr, onCluster *recordingCluster, log *slog.Logger) (*jobs.Runner, error) {
	key, secret, ok := recorderKey(cfg.Keys)
	if !ok && !cfg.Recording.Workers {
		log.Warn("recording unavailable: no API key to sign the recorders' tokens")
	}
	storage, err := newStorage(ctx, cfg.Recording.S3, log)
	if err != nil {
		return nil, err
	}
	node := nodeName(cfg.Recording.Node)
	var clus jobs.Cluster
	if onCluster != nil {
		clus = onCluster
		if cfg.Recording.Node == "" {
			node = nodeID(cfg)
		}
	}
	r, err := jobs.New(jobs.Config{
		Store: st, URL: loopbackURL(addr), APIKey: key, APISecret: secret, Cluster: clus,
		Dir: cfg.Recording.Dir, Storage: storage, Node: node,
		MaxConcurrent: cfg.Recording.MaxConcurrent, MinFreeBytes: uint64(cfg.Recording.MinFreeMB) << 20,
		FFmpeg: cfg.Recording.FFmpeg, Webhooks: hooks, Logger: log, Queue: cfg.Recording.Workers,
	})
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	return r, nil
}

// recorderKey picks the key that signs the recorders' tokens: the development
// key when present, else the first by name.
func recorderKey(keys auth.Keys) (key, secret string, ok bool) {
	if s, ok := keys[auth.DevAPIKey]; ok {
		return auth.DevAPIKey, s, true
	}
	names := keys.Names()
	if len(names) == 0 {
		return "", "", false
	}
	return names[0], keys[names[0]], true
}

// loopbackURL is how this process reaches its own listener at addr: its address,
// with a wildcard bind replaced by loopback.
func loopbackURL(addr net.Addr) string {
	host, port := "127.0.0.1", 0
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = ta.Port
		if ta.IP != nil && !ta.IP.IsUnspecified() {
			host = ta.IP.String()
		}
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// nodeName is the configured node name, else the host name.
func nodeName(configured string) string {
	if configured != "" {
		return configured
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "ensemble"
}

// withAutoRecord chains the recorder's auto_record hook after the webhooks'.
func withAutoRecord(h sfu.Hooks, recorder *jobs.Runner) sfu.Hooks {
	joined := h.ParticipantJoined
	h.ParticipantJoined = func(room vocab.RoomInfo, p vocab.ParticipantInfo) {
		if joined != nil {
			joined(room, p)
		}
		recorder.ParticipantJoined(room, p)
	}
	return h
}
