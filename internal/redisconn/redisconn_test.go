package redisconn

import (
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestModesAndClients(t *testing.T) {
	tests := []struct {
		opts   Options
		mode   Mode
		tag    string
		client string
	}{
		{Options{Address: "h:6379"}, ModeSingle, "ensemble", "*redis.Client"},
		{Options{MasterName: "m", SentinelAddresses: []string{"s:26379"}}, ModeSentinel, "ensemble", "*redis.Client"},
		{Options{ClusterAddresses: []string{"c:7000"}}, ModeCluster, "{ensemble}", "*redis.ClusterClient"},
	}
	for _, tt := range tests {
		if got := tt.opts.Mode(); got != tt.mode {
			t.Errorf("%+v: mode %q, want %q", tt.opts, got, tt.mode)
		}
		if got := tt.opts.KeyTag(); got != tt.tag {
			t.Errorf("%+v: key tag %q, want %q", tt.opts, got, tt.tag)
		}
		c, err := New(tt.opts)
		if err != nil {
			t.Fatalf("%+v: %v", tt.opts, err)
		}
		switch c.(type) {
		case *redis.Client:
			if tt.client != "*redis.Client" {
				t.Errorf("%+v: a single-server client, want %s", tt.opts, tt.client)
			}
		case *redis.ClusterClient:
			if tt.client != "*redis.ClusterClient" {
				t.Errorf("%+v: a cluster client, want %s", tt.opts, tt.client)
			}
		default:
			t.Errorf("%+v: client %T", tt.opts, c)
		}
		c.Close()
	}
	if (Options{}).Enabled() {
		t.Error("no options: enabled")
	}
	if _, err := New(Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("New without Redis: %v", err)
	}
}

// Every contradictory or incomplete setting is refused, naming the field.
func TestProblemsNamed(t *testing.T) {
	tests := []struct {
		opts Options
		want string
	}{
		{Options{Address: "h:1", MasterName: "m", SentinelAddresses: []string{"s:1"}}, "Address: set together with a Sentinel"},
		{Options{Address: "h:1", ClusterAddresses: []string{"c:1"}}, "Address: set together with cluster addresses"},
		{Options{MasterName: "m", SentinelAddresses: []string{"s:1"}, ClusterAddresses: []string{"c:1"}}, "ClusterAddresses: set together with a Sentinel"},
		{Options{SentinelAddresses: []string{"s:1"}}, "MasterName: empty"},
		{Options{MasterName: "m"}, "SentinelAddresses: empty"},
		{Options{Address: "h:1", SentinelPassword: "x"}, "SentinelPassword: set without"},
		{Options{ClusterAddresses: []string{"c:1"}, DB: 2}, "DB: 2: Redis Cluster has only database 0"},
		{Options{Address: "h:1", DB: -1}, "DB: -1 is negative"},
		{Options{Password: "x"}, "Password: set without"},
		{Options{Address: "localhost"}, `Address: "localhost" is not host:port`},
		{Options{Address: ":6379"}, `Address: ":6379" is not host:port`},
		{Options{ClusterAddresses: []string{"c:1", "c:1"}}, `ClusterAddresses[1]: "c:1" is listed twice`},
		{Options{MasterName: "m", SentinelAddresses: []string{"s:1", "nope"}}, `SentinelAddresses[1]: "nope" is not host:port`},
	}
	for _, tt := range tests {
		err := tt.opts.Check()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.opts, err, tt.want)
		}
		if _, err := New(tt.opts); !errors.Is(err, ErrInvalid) {
			t.Errorf("New(%+v) = %v, want ErrInvalid", tt.opts, err)
		}
	}
}
