package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/ensemble-sfu/ensemble/internal/strictjson"
	"github.com/ensemble-sfu/ensemble/signalling/apiwire"
)

// maxBodyBytes bounds request bodies; the largest legitimate one is a data message.
const maxBodyBytes = 64 << 10

// problemContentType is the media type of error responses (RFC 9457).
const problemContentType = "application/problem+json"

// problemTypeBase prefixes problem codes to make the "type" URI.
const problemTypeBase = "urn:ensemble:problem:"

func newProblem(status int, code, detail string, fields ...apiwire.FieldError) *apiwire.Problem {
	return &apiwire.Problem{
		Type:   problemTypeBase + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Code:   code,
		Errors: fields,
	}
}

// invalid is a 422 naming one field.
func invalid(field, format string, args ...any) *apiwire.Problem {
	msg := fmt.Sprintf(format, args...)
	return newProblem(http.StatusUnprocessableEntity, "invalid_field", field+": "+msg, apiwire.FieldError{Field: field, Message: msg})
}

func writeProblem(w http.ResponseWriter, p *apiwire.Problem) {
	w.Header().Set("Content-Type", problemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// internal logs err and hides it from the client: store failures may name files or hosts.
func internal(log *slog.Logger, r *http.Request, err error) *apiwire.Problem {
	log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return newProblem(http.StatusInternalServerError, "internal", "the server failed to handle the request; see its log")
}

// decodeBody decodes r's JSON body into v strictly: a JSON content type (required:
// a form or text post is refused before it is read), at most maxBodyBytes, one value,
// no unknown fields, no duplicate keys, keys matching fields exactly (not by case),
// valid UTF-8. Problems name the field at fault.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) *apiwire.Problem {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return decodeProblem(io.EOF) // nothing sent: say that, not that its type is missing
	}
	if ct == "" {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"request body needs Content-Type: application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("request body must be application/json, not %q", ct))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if isTooLarge(err) {
			return decodeProblem(err)
		}
		return newProblem(http.StatusBadRequest, "malformed_json", "request body could not be read: "+err.Error())
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return decodeProblem(io.EOF)
	}
	if err := strictjson.Check(body, reflect.TypeOf(v).Elem(), strictjson.Options{RejectUnknown: true}); err != nil {
		return strictProblem(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeProblem(err)
	}
	return nil
}

// strictProblem turns a strictjson refusal into a problem naming the key at fault.
func strictProblem(err error) *apiwire.Problem {
	var se *strictjson.Error
	if !errors.As(err, &se) {
		return newProblem(http.StatusBadRequest, "malformed_json", err.Error())
	}
	switch se.Code {
	case strictjson.CodeUnknownField, strictjson.CodeCaseMismatch:
		return newProblem(http.StatusBadRequest, "unknown_field", se.Error(), apiwire.FieldError{Field: se.Field, Message: se.Message})
	case strictjson.CodeDuplicateKey:
		return newProblem(http.StatusBadRequest, "duplicate_key", se.Error(), apiwire.FieldError{Field: se.Field, Message: "appears more than once"})
	case strictjson.CodeInvalidUTF8:
		return newProblem(http.StatusBadRequest, "invalid_utf8", se.Error())
	case strictjson.CodeTrailingValue:
		return newProblem(http.StatusBadRequest, "malformed_json", "request body holds more than one JSON value")
	}
	return newProblem(http.StatusBadRequest, "malformed_json", se.Error())
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// decodeProblem turns an encoding/json error into a problem naming the field.
func decodeProblem(err error) *apiwire.Problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case isTooLarge(err):
		return newProblem(http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("request body is larger than %d bytes", maxBodyBytes))
	case errors.Is(err, io.EOF):
		return newProblem(http.StatusBadRequest, "malformed_json", "request body is empty; a JSON object is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newProblem(http.StatusBadRequest, "malformed_json", "request body ends in the middle of a JSON value")
	case errors.As(err, &syn):
		return newProblem(http.StatusBadRequest, "malformed_json", fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return newProblem(http.StatusBadRequest, "malformed_json", fmt.Sprintf("request body must be a JSON object, not %s", typ.Value))
		}
		msg := fmt.Sprintf("must be %s, not %s", jsonTypeName(typ.Type.Kind().String()), typ.Value)
		return newProblem(http.StatusBadRequest, "invalid_type", field+": "+msg, apiwire.FieldError{Field: field, Message: msg})
	}
	// encoding/json reports unknown fields only in the message: `json: unknown field "x"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return newProblem(http.StatusBadRequest, "unknown_field", fmt.Sprintf("unknown field %q", name),
			apiwire.FieldError{Field: name, Message: "is not a known field"})
	}
	return newProblem(http.StatusBadRequest, "malformed_json", err.Error())
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int64", "int32", "uint", "uint64", "uint32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return kind
}
