package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Options change what Check refuses beyond the fixed rules.
type Options struct {
	// RejectUnknown refuses keys that match no field of the target struct. Without it
	// they are skipped, as a protocol that lets newer clients send more must.
	RejectUnknown bool
}

// Unmarshal checks data with Check for a value of v's type, then decodes it with
// encoding/json. Errors from Check are *Error; decoding errors are encoding/json's.
func Unmarshal(data []byte, v any, opts Options) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: Unmarshal needs a non-nil pointer, not %T", v)
	}
	if err := Check(data, rv.Type().Elem(), opts); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Check refuses data, meant to be decoded into a value of type t, when it breaks one
// of the package's rules. It returns nil for input encoding/json will decode without
// surprise (type mismatches are left to encoding/json, which reports them by field).
func Check(data []byte, t reflect.Type, opts Options) error {
	c := checker{dec: jsontext.NewDecoder(bytes.NewReader(data)), opts: opts}
	if err := c.value(t); err != nil {
		return err
	}
	if _, err := c.dec.ReadToken(); err != io.EOF {
		if err != nil {
			return c.syntax(err)
		}
		return &Error{Code: CodeTrailingValue, Offset: c.dec.InputOffset(), Message: "more than one JSON value"}
	}
	return nil
}

type checker struct {
	dec  *jsontext.Decoder
	opts Options
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// value reads one JSON value, checking object keys against t (nil: anything goes).
func (c *checker) value(t reflect.Type) error {
	t = deref(t)
	if t != nil && (reflect.PointerTo(t).Implements(jsonUnmarshaler) || t.Kind() == reflect.Interface) {
		t = nil // the type decodes itself, or takes anything: check syntax only
	}
	tok, err := c.dec.ReadToken()
	if err != nil {
		return c.syntax(err)
	}
	switch tok.Kind() {
	case '{':
		return c.object(t)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for c.dec.PeekKind() != ']' {
			if err := c.value(elem); err != nil {
				return err
			}
		}
		_, err := c.dec.ReadToken()
		return c.syntax(err)
	}
	return nil
}

func (c *checker) object(t reflect.Type) error {
	var fields map[string]reflect.Type
	var folded map[string]string
	var elem reflect.Type
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		fields, folded = structFields(t)
	case t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	for c.dec.PeekKind() != '}' {
		tok, err := c.dec.ReadToken()
		if err != nil {
			return c.syntax(err)
		}
		ptr := c.dec.StackPointer() // names the key just read
		key := tok.String()
		next := elem
		if fields != nil {
			ft, ok := fields[key]
			switch {
			case ok:
				next = ft
			case folded[strings.ToLower(key)] != "":
				want := folded[strings.ToLower(key)]
				return &Error{Code: CodeCaseMismatch, Pointer: string(ptr), Field: key, Offset: c.dec.InputOffset(),
					Message: fmt.Sprintf("unknown field %q: field names are case-sensitive (did you mean %q?)", key, want)}
			case c.opts.RejectUnknown:
				return &Error{Code: CodeUnknownField, Pointer: string(ptr), Field: key, Offset: c.dec.InputOffset(),
					Message: fmt.Sprintf("unknown field %q", key)}
			}
		}
		if err := c.value(next); err != nil {
			return err
		}
	}
	_, err := c.dec.ReadToken()
	return c.syntax(err)
}

// syntax turns a tokenizer error into an *Error with its own code.
func (c *checker) syntax(err error) error {
	if err == nil {
		return nil
	}
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &Error{Code: CodeSyntax, Offset: c.dec.InputOffset(), Message: "JSON ends in the middle of a value"}
		}
		return &Error{Code: CodeSyntax, Message: err.Error()}
	}
	e := &Error{Code: CodeSyntax, Pointer: string(se.JSONPointer), Offset: se.ByteOffset}
	msg := strings.TrimPrefix(se.Err.Error(), "jsontext: ")
	switch {
	case errors.Is(se.Err, jsontext.ErrDuplicateName):
		e.Code = CodeDuplicateKey
		e.Field = se.JSONPointer.LastToken()
		e.Message = fmt.Sprintf("duplicate key %q", e.Field)
		return e
	case strings.Contains(msg, "UTF-8"), strings.Contains(msg, "surrogate"):
		e.Code = CodeInvalidUTF8
		e.Message = "string is not valid UTF-8"
		return e
	}
	e.Message = fmt.Sprintf("invalid JSON at byte %d: %s", se.ByteOffset, msg)
	return e
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
