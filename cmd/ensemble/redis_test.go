package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// serve refuses two Redis deployments at once, or an incomplete Sentinel one,
// before it listens, naming the settings at fault.
func TestServeRefusesContradictoryRedisSettings(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--redis-address", "127.0.0.1:6379", "--redis-cluster-addresses", "127.0.0.1:7000"},
			"redis.address: set together with cluster addresses"},
		{[]string{"--redis-address", "127.0.0.1:6379", "--redis-sentinel-master", "m", "--redis-sentinel-addresses", "127.0.0.1:26379"},
			"redis.address: set together with a Sentinel configuration"},
		{[]string{"--redis-sentinel-addresses", "127.0.0.1:26379"},
			"redis.sentinel.master_name: empty"},
		{[]string{"--redis-cluster-addresses", "127.0.0.1:7000", "--redis-db", "1"},
			"redis.db: 1: Redis Cluster has only database 0"},
	} {
		args := append([]string{"--dev", "--data-dir", t.TempDir(), "--http-port", "0", "--udp-port", "0"}, tt.args...)
		err := runServe(ctx, args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve %q: %v, want an error with %q", tt.args, err, tt.want)
		}
	}
}
