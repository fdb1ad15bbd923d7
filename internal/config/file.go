package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadFile reads the YAML file at path over c: keys present in the file replace c's
// values, absent ones keep them. See DecodeYAML for the rules.
func LoadFile(path string, c *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrReadFile, err)
	}
	if err := DecodeYAML(data, c); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// DecodeYAML decodes one YAML document over c, strictly: a key the configuration does
// not know is refused (ErrUnknownKey) and a value of the wrong type is refused
// (ErrInvalidValue), both naming the dotted key ("limits.max_message_bytes") and its
// line. A key given twice is refused. A key with an empty (null) value keeps c's value.
// Ranges are checked later, by Validate.
func DecodeYAML(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // belt and braces: the walk below already refuses unknown keys
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file is an empty configuration
		}
		return fmt.Errorf("%w: %w", ErrReadFile, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: more than one YAML document", ErrReadFile)
	}
	return decodeNode(&doc, reflect.ValueOf(c).Elem(), "")
}

// decodeNode walks node into v, descending into structs itself so that every error
// can name the key it is about (yaml.v3's own type errors do not).
func decodeNode(node *yaml.Node, v reflect.Value, path string) error {
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) == 0 {
			return nil
		}
		node = node.Content[0]
	}
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct && node.Kind == yaml.SequenceNode {
		// Entries are walked as the top level is, so that a misspelt key in
		// one (sip.trunks[0].pasword) is refused, not ignored.
		v.Set(reflect.MakeSlice(v.Type(), len(node.Content), len(node.Content)))
		for i, item := range node.Content {
			if err := decodeNode(item, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if v.Kind() != reflect.Struct {
		if err := node.Decode(v.Addr().Interface()); err != nil {
			return fmt.Errorf("%w: %s (line %d): %s", ErrInvalidValue, displayPath(path), node.Line, yamlErrorText(err))
		}
		return nil
	}
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("%w: %s (line %d): want a mapping of keys to values", ErrInvalidValue, displayPath(path), node.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, val := node.Content[i], node.Content[i+1]
		name := k.Value
		full := name
		if path != "" {
			full = path + "." + name
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("%w: key at line %d under %s is not a plain name", ErrUnknownKey, k.Line, displayPath(path))
		}
		if seen[name] {
			return fmt.Errorf("%w: %s (line %d) is given twice", ErrInvalidValue, full, k.Line)
		}
		seen[name] = true
		field, ok := fieldByYAMLName(v, name)
		if !ok {
			return fmt.Errorf("%w: %q (line %d)", ErrUnknownKey, full, k.Line)
		}
		if err := decodeNode(val, field, full); err != nil {
			return err
		}
	}
	return nil
}

func fieldByYAMLName(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" && tag == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func displayPath(p string) string {
	if p == "" {
		return "top level"
	}
	return p
}

// yamlErrorText drops yaml.v3's "yaml: unmarshal errors: line N:" framing, since our
// message already says where.
func yamlErrorText(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		parts := make([]string, 0, len(te.Errors))
		for _, e := range te.Errors {
			if _, rest, ok := strings.Cut(e, ": "); ok && strings.HasPrefix(e, "line ") {
				e = rest
			}
			parts = append(parts, e)
		}
		return strings.Join(parts, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
