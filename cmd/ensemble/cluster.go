package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/ensemble-sfu/ensemble/cluster"
	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/internal/loadguard"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/signalling/server"
	"github.com/ensemble-sfu/ensemble/vocab"
)

// hopHeader marks a request one node forwarded to the room's host: the host serves
// it, whatever its own view of the placement, so that no request loops.
const hopHeader = "Ensemble-Forwarded-By"

// joinCluster registers this node on Redis, through the client the store shares,
// when Redis is configured (nil otherwise).
func joinCluster(ctx context.Context, cfg *config.Config, rdb redis.UniversalClient, engine *sfu.Engine, srv *server.Server, guard *loadguard.Guard, log *slog.Logger) (*cluster.Cluster, error) {
	if rdb == nil {
		return nil, nil
	}
	self := cluster.NodeInfo{ID: nodeID(cfg), Region: cfg.Cluster.Region, URL: nodeURL(cfg)}
	c, err := cluster.Join(ctx, cluster.Config{
		Redis: rdb, Self: self, Logger: log, KeyPrefix: cfg.Redis.Options().KeyTag() + ":",
		Placement: cluster.Policy(cfg.Cluster.Placement),
		Load: func() cluster.Load {
			st := engine.Stats()
			cpu, egress := guard.Load()
			return cluster.Load{Participants: st.Participants, Rooms: st.Rooms, CPU: cpu, EgressBps: egress, Draining: srv.Draining()}
		},
		OpenRooms: func() []string {
			rooms := engine.Rooms()
			names := make([]string, len(rooms))
			for i, r := range rooms {
				names[i] = r.Name()
			}
			return names
		},
	})
	if err != nil {
		return nil, err
	}
	log.Info("joined the cluster", "node", self.ID, "region", self.Region, "url", self.URL, "placement", cfg.Cluster.Placement)
	return c, nil
}

func nodeID(cfg *config.Config) string {
	if cfg.Cluster.NodeID != "" {
		return cfg.Cluster.NodeID
	}
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(cfg.HTTPPort)
}

func nodeURL(cfg *config.Config) string {
	if cfg.Cluster.URL != "" {
		return strings.TrimRight(cfg.Cluster.URL, "/")
	}
	return "http://" + net.JoinHostPort(relayIP(cfg).String(), strconv.Itoa(cfg.HTTPPort))
}

// routeToHost sends each join, and each API call about a live room, to the node
// hosting the room: a WebSocket join is proxied (signalling relayed through this
// node; the media goes straight to the host's media ports, which its ICE candidates
// name), so that clients need no redirect logic and any node can be the entry point
// behind a load balancer. Everything else is served here.
//
// With perNode > 0 a room spans nodes (package cascade): a join goes to the node
// PlaceParticipant chooses, and a relay's join (another node's bridge, which
// dials the node it means) is served where it arrives.
func routeToHost(local http.Handler, c *cluster.Cluster, perNode int, verifier *auth.Verifier, log *slog.Logger) http.Handler {
	self := c.Self().ID
	proxies := map[string]*httputil.ReverseProxy{}
	proxyTo := func(n cluster.NodeInfo) (*httputil.ReverseProxy, error) {
		if p, ok := proxies[n.URL]; ok {
			return p, nil
		}
		target, err := url.Parse(n.URL)
		if err != nil {
			return nil, fmt.Errorf("node %s has a bad URL %q: %w", n.ID, n.URL, err)
		}
		p := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.SetXForwarded()
				pr.Out.Header.Set(hopHeader, self)
			},
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				log.Warn("forwarding to the room's node failed", "node", n.ID, "path", r.URL.Path, "err", err)
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "2")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, `{"code":"node_unavailable","message":"the node hosting the room (%s) does not answer; retry"}`+"\n", n.ID)
			},
		}
		proxies[n.URL] = p
		return p, nil
	}
	var mu sync.Mutex // guards proxies
	forward := func(w http.ResponseWriter, r *http.Request, host cluster.NodeInfo) {
		mu.Lock()
		p, err := proxyTo(host)
		mu.Unlock()
		if err != nil {
			log.Error("cannot forward", "node", host.ID, "path", r.URL.Path, "err", err)
			local.ServeHTTP(w, r)
			return
		}
		p.ServeHTTP(w, r)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(hopHeader) != "" {
			local.ServeHTTP(w, r)
			return
		}
		var host cluster.NodeInfo
		var err error
		if id, ok := nodeOf(r); ok && id != self {
			// A call about another node (drain): served by that node.
			var live bool
			host, live, err = c.Node(r.Context(), id)
			if err != nil || !live {
				local.ServeHTTP(w, r) // answers 404 node_not_found, or the error
				return
			}
			forward(w, r, host)
			return
		}
		room, place := roomOf(r, verifier)
		if room == "" {
			local.ServeHTTP(w, r)
			return
		}
		if place {
			host, err = c.PlaceParticipant(r.Context(), room, perNode)
		} else {
			var ok bool
			host, ok, err = c.Host(r.Context(), room)
			if err == nil && !ok {
				host.ID = self // not live anywhere: the stored record is served here
			}
		}
		if err != nil {
			log.Warn("room placement unavailable; serving locally", "room", room, "err", err)
			local.ServeHTTP(w, r)
			return
		}
		if host.ID == self {
			local.ServeHTTP(w, r)
			return
		}
		forward(w, r, host)
	})
}

// nodeOf finds the node a node API call is about (POST /api/v1/nodes/{id}/drain).
func nodeOf(r *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/nodes/")
	if !ok {
		return "", false
	}
	id, tail, _ := strings.Cut(rest, "/")
	return id, id != "" && tail == "drain"
}

// roomOf finds the room a request is about: a join's (from its verified token, to
// be placed), or the {room} of a room API path (sent where it is live, not placed).
func roomOf(r *http.Request, verifier *auth.Verifier) (room string, place bool) {
	if r.URL.Path == "/rtc" {
		tok := r.URL.Query().Get("access_token")
		if tok == "" {
			tok, _ = bearer(r)
		}
		claims, err := verifier.Verify(tok)
		if err != nil || claims.Room == "" || claims.Kind == vocab.ParticipantRelay {
			return "", false // refused here with the precise reason, or a relay served here
		}
		return claims.Room, true
	}
	for _, prefix := range []string{"/api/v1/rooms/", "/api/rooms/"} {
		if rest, ok := strings.CutPrefix(r.URL.Path, prefix); ok {
			name, _, _ := strings.Cut(rest, "/")
			return name, false
		}
	}
	return "", false
}
