package config

import "errors"

// Sentinel errors; every error Load returns wraps one of them and names the setting
// (YAML path, environment variable or flag) it is about.
var (
	// ErrUnknownKey: the YAML file has a key the configuration does not know.
	ErrUnknownKey = errors.New("unknown configuration key")
	// ErrInvalidValue: a setting has a value of the wrong type or out of range.
	ErrInvalidValue = errors.New("invalid configuration value")
	// ErrReadFile: the configuration file could not be read or is not YAML.
	ErrReadFile = errors.New("cannot read configuration file")
	// ErrNoSigningKey: the token command could not tell which API key to sign with.
	ErrNoSigningKey = errors.New("no API key to sign with")
)
