package config

import (
	"errors"
	"testing"
)

// FuzzLoadConfig feeds arbitrary bytes to the YAML decoder and the validator: never a
// panic, and any error wraps one of the package's sentinels.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("http_port: 7880\nkeys: {k: 0123456789abcdef0123456789abcdef}\n"))
	f.Add([]byte("limits: {max_message_bytes: 1}\nresume_grace: 1h\n"))
	f.Add([]byte("redis:\n  address: [1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Default(false)
		err := DecodeYAML(data, c)
		if err == nil {
			c.DataDir = "/d"
			err = c.Validate()
		}
		if err != nil && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrReadFile) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
	})
}
