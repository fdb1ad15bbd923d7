package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/sfu"
	"github.com/ensemble-sfu/ensemble/signalling/httpsec"
	"github.com/ensemble-sfu/ensemble/signalling/protocol"
	"github.com/ensemble-sfu/ensemble/turnrelay"
)

// startTURN starts the embedded relay when configured and returns what mints each
// participant's ICE servers for the join answer. httpsTLS is the HTTPS listener's
// TLS configuration (nil without it): TURN over TLS uses it when turn: has no
// certificate of its own. In --dev a relay that cannot bind is a warning, not a
// failure (another TURN server may hold 3478 on a developer's machine).
func startTURN(cfg *config.Config, engine *sfu.Engine, httpsTLS *tls.Config, log *slog.Logger) (*turnrelay.Server, func(room, identity string) []protocol.ICEServer, error) {
	t := cfg.TURN
	if !t.Enabled() {
		return nil, nil, nil
	}
	keyName := cfg.Keys.Names()[0]
	rc := turnrelay.Config{
		Secret:             turnrelay.SecretFrom(cfg.Keys[keyName]),
		RelayIP:            relayIP(cfg),
		MediaIPs:           mediaIPs(cfg),
		MediaPort:          mediaPort(cfg, engine),
		CredentialTTL:      t.CredentialTTL,
		AllocationsPerUser: t.AllocationsPerUser,
		Logger:             log,
	}
	if t.UDPPort > 0 {
		rc.UDPListen = net.JoinHostPort(cfg.Bind, strconv.Itoa(t.UDPPort))
	}
	if t.TLSPort > 0 {
		rc.TLSListen = net.JoinHostPort(cfg.Bind, strconv.Itoa(t.TLSPort))
		rc.TLS = httpsTLS
		if t.CertFile != "" {
			own, err := httpsec.NewTLS(httpsec.TLSOptions{CertFile: t.CertFile, KeyFile: t.KeyFile, Logger: log})
			if err != nil {
				return nil, nil, fmt.Errorf("turn: %w", err)
			}
			rc.TLS = own.Config
		}
	}
	relay, err := turnrelay.New(rc)
	if err != nil {
		if cfg.Dev {
			log.Warn("TURN relay not started; clients on networks that block UDP will not connect", "err", err)
			return nil, nil, nil
		}
		return nil, nil, err
	}
	host := t.Host
	if host == "" {
		if u, err := url.Parse(cfg.PublicURL); err == nil {
			host = u.Hostname()
		}
	}
	var urls []string
	if t.UDPPort > 0 {
		urls = append(urls, "turn:"+net.JoinHostPort(host, strconv.Itoa(t.UDPPort))+"?transport=udp")
	}
	if t.TLSPort > 0 {
		urls = append(urls, "turns:"+net.JoinHostPort(host, strconv.Itoa(t.TLSPort))+"?transport=tcp")
	}
	log.Info("TURN relay serving", "udp", fmt.Sprint(relay.UDPAddr()), "tls", fmt.Sprint(relay.TLSAddr()), "urls", urls)
	return relay, func(room, identity string) []protocol.ICEServer {
		user, pass, _ := relay.Credentials(room, identity)
		return []protocol.ICEServer{{URLs: urls, Username: user, Credential: pass}}
	}, nil
}

// relayIP is where relay sockets live: turn.relay_ip, else the bind address, else
// the address of the default route (the media engine, on this machine, reaches it).
func relayIP(cfg *config.Config) net.IP {
	for _, s := range []string{cfg.TURN.RelayIP, cfg.Bind} {
		if ip := net.ParseIP(s); ip != nil && !ip.IsUnspecified() {
			return ip
		}
	}
	// A UDP "connection" sends nothing: it only asks the routing table.
	if c, err := net.Dial("udp4", "192.0.2.1:9"); err == nil {
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).IP
	}
	return net.IPv4(127, 0, 0, 1)
}

// mediaIPs are the addresses the media engine answers on: this machine's, and the
// NAT 1:1 ones it advertises.
func mediaIPs(cfg *config.Config) []net.IP {
	var out []net.IP
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				out = append(out, n.IP)
			}
		}
	}
	for _, s := range cfg.NAT1To1IPs {
		if ip := net.ParseIP(s); ip != nil {
			out = append(out, ip)
		}
	}
	return out
}

// mediaPort tells the media engine's UDP ports: the one port, or the range.
func mediaPort(cfg *config.Config, engine *sfu.Engine) func(int) bool {
	if lo, hi := cfg.PortRange(); lo > 0 {
		return func(p int) bool { return p >= lo && p <= hi }
	}
	port := 0
	if a := engine.UDPAddr(); a != nil {
		port = a.Port
	}
	return func(p int) bool { return p == port }
}
