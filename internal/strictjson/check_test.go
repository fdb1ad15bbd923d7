package strictjson

import (
	"errors"
	"testing"
)

type inner struct {
	Width int `json:"width"`
}

type embedded struct {
	Iss string `json:"iss"`
}

type target struct {
	embedded
	Name   string           `json:"name"`
	Layers []inner          `json:"layers"`
	Labels map[string]inner `json:"labels"`
	Any    any              `json:"any"`
	Ptr    *inner           `json:"ptr"`
	Skip   string           `json:"-"`
	Plain  string
}

func TestCheckRefuses(t *testing.T) {
	cases := []struct {
		name, body, code, pointer string
		opts                      Options
	}{
		{"duplicate key", `{"name":"a","name":"b"}`, CodeDuplicateKey, "/name", Options{}},
		{"duplicate nested key", `{"layers":[{"width":1,"width":2}]}`, CodeDuplicateKey, "/layers/0/width", Options{}},
		{"duplicate in free-form value", `{"any":{"x":1,"x":2}}`, CodeDuplicateKey, "/any/x", Options{}},
		{"invalid UTF-8 bytes", "{\"name\":\"a\xff\"}", CodeInvalidUTF8, "/name", Options{}},
		{"lone surrogate escape", `{"name":"\ud800"}`, CodeInvalidUTF8, "/name", Options{}},
		{"key by case", `{"NAME":"a"}`, CodeCaseMismatch, "/NAME", Options{}},
		{"nested key by case", `{"ptr":{"Width":3}}`, CodeCaseMismatch, "/ptr/Width", Options{}},
		{"embedded key by case", `{"ISS":"k"}`, CodeCaseMismatch, "/ISS", Options{}},
		{"unknown refused", `{"nope":1}`, CodeUnknownField, "/nope", Options{RejectUnknown: true}},
		{"unknown in map value", `{"labels":{"a":{"height":1}}}`, CodeUnknownField, "/labels/a/height", Options{RejectUnknown: true}},
		{"ignored field by name", `{"Skip":"x"}`, CodeUnknownField, "/Skip", Options{RejectUnknown: true}},
		{"truncated", `{"name":`, CodeSyntax, "", Options{}},
		{"two values", `{} {}`, CodeTrailingValue, "", Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v target
			err := Unmarshal([]byte(tc.body), &v, tc.opts)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("Unmarshal(%s) = %v, want *Error %s", tc.body, err, tc.code)
			}
			if se.Code != tc.code || (tc.pointer != "" && se.Pointer != tc.pointer) {
				t.Fatalf("Unmarshal(%s) = %s at %q (%v), want %s at %q", tc.body, se.Code, se.Pointer, se, tc.code, tc.pointer)
			}
		})
	}
}

func TestCheckAccepts(t *testing.T) {
	cases := []struct {
		body string
		opts Options
	}{
		{`{"name":"été \u00e9 😀","layers":[{"width":1},{"width":2}],"iss":"k","Plain":"p"}`, Options{RejectUnknown: true}},
		{`{"nope":{"deep":[1,2,{"a":1}]}}`, Options{}},
		{`{"any":{"X":1,"x":2},"labels":{"A":{"width":1},"a":{"width":2}}}`, Options{RejectUnknown: true}},
		{`{"ptr":null,"layers":null}`, Options{RejectUnknown: true}},
	}
	for _, tc := range cases {
		var v target
		if err := Unmarshal([]byte(tc.body), &v, tc.opts); err != nil {
			t.Errorf("Unmarshal(%s) = %v, want nil", tc.body, err)
		}
	}
}

func TestUnmarshalLeavesTypeErrorsToEncodingJSON(t *testing.T) {
	var v target
	err := Unmarshal([]byte(`{"name":3}`), &v, Options{})
	var se *Error
	if err == nil || errors.As(err, &se) {
		t.Fatalf("got %v, want encoding/json's type error", err)
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `{"name":"a","name":"b"}`, `{"NAME":1}`, `[1,{"a":[]}]`, "{\"name\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v target
		err := Unmarshal(b, &v, Options{RejectUnknown: true})
		var se *Error
		if errors.As(err, &se) && se.Message == "" {
			t.Fatalf("error without a message: %#v", se)
		}
	})
}
