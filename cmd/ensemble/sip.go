package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/ensemble-sfu/ensemble/internal/config"
	"github.com/ensemble-sfu/ensemble/signalling/auth"
	"github.com/ensemble-sfu/ensemble/sip"
)

// runSIP runs the SIP bridge as its own process, beside a server it reaches by
// URL with an API key: `ensemble sip --url http://10.0.0.5:7880 --api-key K
// --api-secret S --listen 10.0.0.6:5060 --domain sip.example.com`.
func runSIP(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sip", flag.ContinueOnError)
	url := fs.String("url", envOr("ENSEMBLE_URL", "http://127.0.0.1:7880"), "server address ($ENSEMBLE_URL)")
	key := fs.String("api-key", os.Getenv("ENSEMBLE_API_KEY"), "API key that signs the calls' tokens ($ENSEMBLE_API_KEY)")
	secret := fs.String("api-secret", os.Getenv("ENSEMBLE_API_SECRET"), "its secret ($ENSEMBLE_API_SECRET, better than the flag: ps shows flags)")
	dev := fs.Bool("dev", false, "use the development server's public API key")
	var s config.SIP
	fs.StringVar(&s.Listen, "listen", "127.0.0.1:5060", "SIP address, IP:port (UDP and TCP)")
	fs.StringVar(&s.Domain, "domain", "", "domain of meetings' SIP URIs")
	fs.StringVar(&s.PublicIP, "public-ip", "", "IP address put in Contact and SDP (default: the listen IP)")
	transports := fs.String("transports", "udp,tcp", "comma-separated SIP transports (udp, tcp; TLS: --tls-listen)")
	fs.StringVar(&s.TLSListen, "tls-listen", "", "SIP over TLS address, IP:port (calls over TLS must offer SRTP)")
	fs.StringVar(&s.TLSCertFile, "tls-cert-file", "", "PEM certificate chain of --tls-listen")
	fs.StringVar(&s.TLSKeyFile, "tls-key-file", "", "PEM private key of --tls-cert-file")
	fs.StringVar(&s.TLSCAFile, "tls-ca-file", "", "PEM CA certificates of the TLS peers the bridge calls (default: the system's)")
	fs.StringVar(&s.RTPPortRange, "rtp-port-range", "", "MIN-MAX: UDP ports of calls' audio")
	fs.IntVar(&s.MaxCalls, "max-calls", 0, "calls at once (0 = 100)")
	fs.StringVar(&s.GatewayNumber, "gateway-number", "", "number of the dial-in gateway that asks for the meeting number")
	fs.StringVar(&s.Registrar, "registrar", "", "SIP URI of a registrar to register at (password: $ENSEMBLE_SIP_REGISTER_PASSWORD)")
	fs.StringVar(&s.RegisterUser, "register-user", "", "user to register as")
	s.RegisterPassword = os.Getenv("ENSEMBLE_SIP_REGISTER_PASSWORD")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *dev {
		*key, *secret = auth.DevAPIKey, auth.DevAPISecret
	}
	if *key == "" || *secret == "" {
		return errors.New("no credentials: give --api-key and --api-secret (or $ENSEMBLE_API_KEY and $ENSEMBLE_API_SECRET), or --dev")
	}
	s.Transports = strings.Split(*transports, ",")
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	b, err := newSIPBridge(s, *url, *key, *secret, log, nil)
	if err != nil {
		return err
	}
	return b.Serve(ctx)
}

// newSIPBridge makes the bridge from the sip: settings, for the server at url;
// onDial, when set, hears the progress of the calls it places.
func newSIPBridge(s config.SIP, url, key, secret string, log *slog.Logger, onDial func(sip.Dialed)) (*sip.Bridge, error) {
	listen := s.Listen
	if host, port, err := net.SplitHostPort(listen); err == nil && host == "" {
		listen = net.JoinHostPort("0.0.0.0", port)
	}
	tlsListen := s.TLSListen
	if host, port, err := net.SplitHostPort(tlsListen); err == nil && host == "" {
		tlsListen = net.JoinHostPort("0.0.0.0", port)
	}
	lo, hi := s.RTPPorts()
	var reg *sip.Registration
	if s.Registrar != "" {
		reg = &sip.Registration{Registrar: s.Registrar, User: s.RegisterUser, Password: s.RegisterPassword}
	}
	var trunks []sip.Trunk
	for _, t := range s.Trunks {
		trunks = append(trunks, sip.Trunk{Name: t.Name, Allow: t.Networks(), User: t.User, Password: t.Password, RequireAuth: t.AuthRequired(), RequireSRTP: t.RequireSRTP})
	}
	b, err := sip.New(sip.Config{
		Register: reg, Trunks: trunks, OnDialProgress: onDial,
		Listen: listen, Domain: s.Domain, PublicIP: s.PublicIP, Transports: s.Transports,
		TLSListen: tlsListen, TLSCertFile: s.TLSCertFile, TLSKeyFile: s.TLSKeyFile, TLSCAFile: s.TLSCAFile,
		RTPPortMin: lo, RTPPortMax: hi, MaxCalls: s.MaxCalls, GatewayNumber: s.GatewayNumber,
		URL: url, APIKey: key, APISecret: secret, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("sip bridge: %w", err)
	}
	return b, nil
}
