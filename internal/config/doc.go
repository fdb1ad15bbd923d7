// Package config loads the Ensemble server configuration.
//
// Settings come from, lowest precedence first: built-in defaults (Default), a YAML file
// (--config or $ENSEMBLE_CONFIG; deploy/ensemble.example.yaml lists every key),
// ENSEMBLE_* environment variables, then command-line flags. Unknown YAML keys and bad
// values are refused at start, naming the key, variable or flag ("limits.max_message_bytes",
// ENSEMBLE_HTTP_PORT, --http-port), because a typo silently ignored in a production config
// is found only when it matters.
//
// The serve command uses it like this:
//
//	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
//	load := config.RegisterFlags(fs) // --dev, --config, --bind, --http-port, ...
//	if err := fs.Parse(args); err != nil {
//		return err
//	}
//	cfg, err := load() // flags > env > file > defaults, validated
//	if err != nil {
//		return err
//	}
//	if cfg.Dev {
//		fmt.Printf("dev API key: %s\nsecret: %s\n", auth.DevAPIKey, auth.DevAPISecret)
//	}
//
// NewFlags(fs) and (*Flags).Load(lookupEnv) do the same with an injected environment
// (tests); Load(Options{...}) is the step-by-step form without flags.
//
// Environment variables: ENSEMBLE_CONFIG, ENSEMBLE_BIND, ENSEMBLE_HTTP_PORT,
// ENSEMBLE_UDP_PORT, ENSEMBLE_TCP_PORT, ENSEMBLE_NAT_1TO1_IPS (comma-separated),
// ENSEMBLE_KEYS ("key1:secret1,key2:secret2", replaces the file's keys),
// ENSEMBLE_MAX_PARTICIPANTS_PER_ROOM, ENSEMBLE_MAX_TRACKS_PER_PARTICIPANT,
// ENSEMBLE_MAX_MESSAGE_BYTES, ENSEMBLE_RESUME_GRACE, ENSEMBLE_DRAIN_TIMEOUT,
// ENSEMBLE_DATA_DIR, ENSEMBLE_REDIS_ADDRESS, ENSEMBLE_REDIS_PASSWORD, ENSEMBLE_REDIS_DB,
// ENSEMBLE_REDIS_SENTINEL_MASTER, ENSEMBLE_REDIS_SENTINEL_ADDRESSES (comma-separated),
// ENSEMBLE_REDIS_SENTINEL_PASSWORD, ENSEMBLE_REDIS_CLUSTER_ADDRESSES (comma-separated),
// ENSEMBLE_WEBHOOK_URLS, ENSEMBLE_WEBHOOK_API_KEY, ENSEMBLE_PUBLIC_URL,
// ENSEMBLE_SIP_DOMAIN, ENSEMBLE_SIP_PHONE_NUMBER, ENSEMBLE_SIP_LISTEN,
// ENSEMBLE_SIP_PUBLIC_IP, ENSEMBLE_SIP_TRANSPORTS, ENSEMBLE_SIP_TLS_LISTEN,
// ENSEMBLE_SIP_TLS_CERT_FILE, ENSEMBLE_SIP_TLS_KEY_FILE, ENSEMBLE_SIP_TLS_CA_FILE,
// ENSEMBLE_SIP_RTP_PORT_RANGE,
// ENSEMBLE_SIP_MAX_CALLS, ENSEMBLE_SIP_GATEWAY_NUMBER, ENSEMBLE_SIP_REGISTRAR,
// ENSEMBLE_SIP_REGISTER_USER, ENSEMBLE_SIP_REGISTER_PASSWORD, ENSEMBLE_SIP_BRIDGE_URL,
// ENSEMBLE_SIP_BRIDGE_API_KEY, ENSEMBLE_LOG_LEVEL.
// Secrets (keys, Redis and registrar passwords) have no flags, so that they never
// show in a process list.
//
// Development mode (--dev) adds the public key auth.DevAPIKey/auth.DevAPISecret and
// binds to 127.0.0.1 unless a bind address is given; outside it the dev secret is
// refused, at least one key is required and secrets need auth.MinSecretLength
// characters. Defaults derived from other settings: data_dir ($XDG_DATA_HOME/ensemble
// or ~/.local/share/ensemble), public_url (http://<bind, first NAT IP or
// localhost>:<http_port>) and webhooks.api_key (the only key, when there is one).
//
// The `ensemble token` command is in the subpackage tokencmd.
package config
