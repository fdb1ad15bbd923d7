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
// --api-secret S --listen 10.0.0.6:5060 --domain sip.example.com`. Its
// settings come from the sip: section of a YAML file (--config, the same as
// ensemble serve's: trunks and all), then from the flags given. With --http
// (sip.http) it serves /readyz, /metrics and the dial-out endpoint the server
// calls (sipbridgehttp.go).
func runSIP(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sip", flag.ContinueOnError)
	url := fs.String("url", envOr("ENSEMBLE_URL", "http://127.0.0.1:7880"), "server address ($ENSEMBLE_URL)")
	key := fs.String("api-key", os.Getenv("ENSEMBLE_API_KEY"), "API key that signs the calls' tokens ($ENSEMBLE_API_KEY)")
	secret := fs.String("api-secret", os.Getenv("ENSEMBLE_API_SECRET"), "its secret ($ENSEMBLE_API_SECRET, better than the flag: ps shows flags)")
	dev := fs.Bool("dev", false, "use the development server's public API key")
	file := fs.String("config", "", "YAML file whose sip: section configures the bridge (as for ensemble serve); flags given override it")
	var f config.SIP
	fs.StringVar(&f.Listen, "listen", "127.0.0.1:5060", "SIP address, IP:port (UDP and TCP)")
	fs.StringVar(&f.Domain, "domain", "", "domain of meetings' SIP URIs")
	fs.StringVar(&f.PublicIP, "public-ip", "", "IP address put in Contact and SDP (default: the listen IP)")
	transports := fs.String("transports", "udp,tcp", "comma-separated SIP transports (udp, tcp; TLS: --tls-listen)")
	fs.StringVar(&f.TLSListen, "tls-listen", "", "SIP over TLS address, IP:port (calls over TLS must offer SRTP)")
	fs.StringVar(&f.TLSCertFile, "tls-cert-file", "", "PEM certificate chain of --tls-listen")
	fs.StringVar(&f.TLSKeyFile, "tls-key-file", "", "PEM private key of --tls-cert-file")
	fs.StringVar(&f.TLSCAFile, "tls-ca-file", "", "PEM CA certificates of the TLS peers the bridge calls (default: the system's)")
	fs.StringVar(&f.RTPPortRange, "rtp-port-range", "", "MIN-MAX: UDP ports of calls' audio")
	fs.IntVar(&f.MaxCalls, "max-calls", 0, "calls at once (0 = 100)")
	fs.StringVar(&f.GatewayNumber, "gateway-number", "", "number of the dial-in gateway that asks for the meeting number")
	fs.StringVar(&f.Registrar, "registrar", "", "SIP URI of a registrar to register at (password: $ENSEMBLE_SIP_REGISTER_PASSWORD)")
	fs.StringVar(&f.RegisterUser, "register-user", "", "user to register as")
	fs.StringVar(&f.HTTP, "http", "", "host:port of the HTTP listener: /readyz, /metrics and dial-out for the server (\"\" = none)")
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
	f.Transports = strings.Split(*transports, ",")
	s, err := sipSettings(*file, fs, f)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	progress := newDialProgress()
	b, err := newSIPBridge(s, *url, *key, *secret, log, progress.report)
	if err != nil {
		return err
	}
	if s.HTTP == "" {
		return b.Serve(ctx)
	}
	return serveSIPBridgeHTTP(ctx, b, s.HTTP, auth.Keys{*key: *secret}, progress, log)
}

// sipSettings are the bridge's settings: defaults, then the sip: section of
// file (when given), then the flags set on the command line; checked as a
// whole.
func sipSettings(file string, fs *flag.FlagSet, flags config.SIP) (config.SIP, error) {
	s := config.SIP{Listen: flags.Listen, Transports: flags.Transports}
	if file != "" {
		c := config.Default(false)
		if err := config.LoadFile(file, c); err != nil {
			return config.SIP{}, err
		}
		s = c.SIP
		if s.Listen == "" {
			s.Listen = flags.Listen
		}
		if len(s.Transports) == 0 {
			s.Transports = flags.Transports
		}
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "listen":
			s.Listen = flags.Listen
		case "domain":
			s.Domain = flags.Domain
		case "public-ip":
			s.PublicIP = flags.PublicIP
		case "transports":
			s.Transports = flags.Transports
		case "tls-listen":
			s.TLSListen = flags.TLSListen
		case "tls-cert-file":
			s.TLSCertFile = flags.TLSCertFile
		case "tls-key-file":
			s.TLSKeyFile = flags.TLSKeyFile
		case "tls-ca-file":
			s.TLSCAFile = flags.TLSCAFile
		case "rtp-port-range":
			s.RTPPortRange = flags.RTPPortRange
		case "max-calls":
			s.MaxCalls = flags.MaxCalls
		case "gateway-number":
			s.GatewayNumber = flags.GatewayNumber
		case "registrar":
			s.Registrar = flags.Registrar
		case "register-user":
			s.RegisterUser = flags.RegisterUser
		case "http":
			s.HTTP = flags.HTTP
		}
	})
	if p := os.Getenv("ENSEMBLE_SIP_REGISTER_PASSWORD"); p != "" {
		s.RegisterPassword = p
	}
	if err := s.ValidateBridge(); err != nil {
		return config.SIP{}, fmt.Errorf("sip settings: %w", err)
	}
	return s, nil
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
