package redisconn

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// Mode is the kind of Redis deployment.
type Mode string

// Modes.
const (
	ModeNone     Mode = ""         // no Redis: a single node on its embedded store
	ModeSingle   Mode = "single"   // one server
	ModeSentinel Mode = "sentinel" // a master found through Redis Sentinel
	ModeCluster  Mode = "cluster"  // Redis Cluster
)

// Options say how to reach Redis.
type Options struct {
	Address string // host:port of one server

	MasterName        string   // the master's name in the sentinels' configuration
	SentinelAddresses []string // host:port of each sentinel
	SentinelPassword  string   // the sentinels' own password (requirepass), if any

	ClusterAddresses []string // host:port of some of the cluster's nodes

	Password string // the data nodes' password (master, replicas, cluster nodes)
	DB       int    // database number; Redis Cluster has only 0
}

// ErrInvalid marks contradictory or incomplete Options.
var ErrInvalid = errors.New("redis settings invalid")

// Mode tells which deployment the options name (ModeNone when none); call Check
// first, as a mix answers one of them.
func (o Options) Mode() Mode {
	switch {
	case len(o.ClusterAddresses) > 0:
		return ModeCluster
	case o.MasterName != "" || len(o.SentinelAddresses) > 0:
		return ModeSentinel
	case o.Address != "":
		return ModeSingle
	}
	return ModeNone
}

// Enabled reports whether any Redis is configured.
func (o Options) Enabled() bool { return o.Mode() != ModeNone }

// KeyTag is the prefix of every key the node writes: "{ensemble}" on Redis
// Cluster (one hash slot, so that multi-key scripts run), "ensemble" otherwise
// (the keys of existing installs).
func (o Options) KeyTag() string {
	if o.Mode() == ModeCluster {
		return "{ensemble}"
	}
	return "ensemble"
}

// Problem is one setting at fault, by its option name.
type Problem struct {
	Field, Reason string
}

// Problems lists what is wrong with o, each naming its field as Options does
// (the configuration maps them to its own keys); none for valid options.
func (o Options) Problems() []Problem {
	var out []Problem
	bad := func(field, format string, args ...any) {
		out = append(out, Problem{field, fmt.Sprintf(format, args...)})
	}
	single, sentinel, cluster := o.Address != "", o.MasterName != "" || len(o.SentinelAddresses) > 0, len(o.ClusterAddresses) > 0
	switch {
	case single && sentinel:
		bad("Address", "set together with a Sentinel configuration: with Sentinel the master's address comes from the sentinels; leave the address empty")
	case single && cluster:
		bad("Address", "set together with cluster addresses: give the cluster's nodes alone")
	case sentinel && cluster:
		bad("ClusterAddresses", "set together with a Sentinel configuration: choose Sentinel or Cluster")
	}
	if sentinel {
		if o.MasterName == "" {
			bad("MasterName", "empty: the sentinels need the name of the master they watch")
		}
		if len(o.SentinelAddresses) == 0 {
			bad("SentinelAddresses", "empty: give at least one sentinel's host:port")
		}
	} else if o.SentinelPassword != "" {
		bad("SentinelPassword", "set without a Sentinel configuration")
	}
	if cluster && o.DB != 0 {
		bad("DB", "%d: Redis Cluster has only database 0", o.DB)
	}
	if o.DB < 0 {
		bad("DB", "%d is negative", o.DB)
	}
	if !single && !sentinel && !cluster && o.Password != "" {
		bad("Password", "set without a Redis address")
	}
	if single {
		if err := checkAddress(o.Address); err != nil {
			bad("Address", "%v", err)
		}
	}
	for field, list := range map[string][]string{"SentinelAddresses": o.SentinelAddresses, "ClusterAddresses": o.ClusterAddresses} {
		for i, a := range list {
			if err := checkAddress(a); err != nil {
				bad(fmt.Sprintf("%s[%d]", field, i), "%v", err)
			} else if slices.Index(list, a) < i {
				bad(fmt.Sprintf("%s[%d]", field, i), "%q is listed twice", a)
			}
		}
	}
	slices.SortFunc(out, func(a, b Problem) int { return cmp.Compare(a.Field, b.Field) })
	return out
}

// Check is Problems as one error (nil when there are none).
func (o Options) Check() error {
	ps := o.Problems()
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = fmt.Errorf("%w: %s: %s", ErrInvalid, p.Field, p.Reason)
	}
	return errors.Join(errs...)
}

func checkAddress(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("%q is not host:port", a)
	}
	return nil
}

// clusterStateReload is how old the client's map of which master serves which
// slot may get before a command has it read again (CLUSTER SLOTS). go-redis
// reads it again on a MOVED answer, but a dead master answers nothing: with
// its default of 60 s, every write to the failed shard went to the dead
// address for up to a minute after its replica took over, and the nodes'
// heartbeats lapsed meanwhile. At 2 s a node finds the promoted replica a
// moment after the cluster does, for one small command every 2 s.
const clusterStateReload = 2 * time.Second

// New builds the client of o's deployment. It does not connect: the first
// command does (the caller PINGs to fail early).
func New(o Options) (redis.UniversalClient, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	switch o.Mode() {
	case ModeSingle:
		return redis.NewClient(&redis.Options{Addr: o.Address, Password: o.Password, DB: o.DB}), nil
	case ModeSentinel:
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: o.MasterName, SentinelAddrs: o.SentinelAddresses, SentinelPassword: o.SentinelPassword,
			Password: o.Password, DB: o.DB,
		}), nil
	case ModeCluster:
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: o.ClusterAddresses, Password: o.Password,
			ClusterStateReloadInterval: clusterStateReload}), nil
	}
	return nil, fmt.Errorf("%w: no Redis address, Sentinel or Cluster configured", ErrInvalid)
}

// Describe names the deployment for logs and errors ("sentinel master mymaster
// via 10.0.0.1:26379,…").
func (o Options) Describe() string {
	switch o.Mode() {
	case ModeSingle:
		return o.Address
	case ModeSentinel:
		return fmt.Sprintf("sentinel master %s via %v", o.MasterName, o.SentinelAddresses)
	case ModeCluster:
		return fmt.Sprintf("cluster %v", o.ClusterAddresses)
	}
	return "none"
}
