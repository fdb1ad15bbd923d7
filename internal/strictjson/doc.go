// Package strictjson checks JSON from outside (API bodies, signalling messages, token
// claims) against the rules encoding/json does not enforce, before it is decoded:
//
//   - no duplicate keys in an object (encoding/json keeps the last one silently, so two
//     parsers of one body may disagree about what it says);
//   - valid UTF-8 only, including \u escapes that name half a surrogate pair
//     (encoding/json replaces both with U+FFFD silently);
//   - object keys match struct fields exactly: encoding/json matches "NAME" to the
//     field "name", which lets a body pass a check written for one key and set another;
//   - optionally, no keys that match no field at all.
//
// Syntax, duplicates and UTF-8 are checked by the jsontext tokenizer of
// github.com/go-json-experiment/json (the prototype of encoding/json/v2); keys are
// checked against the Go type the body is meant for, walked by reflection once per
// message. Decoding itself stays with encoding/json.
//
//	var in CreateRoomRequest
//	if err := strictjson.Unmarshal(body, &in, strictjson.Options{RejectUnknown: true}); err != nil {
//		// err is an *Error: its Code and Pointer say what and where.
//	}
package strictjson
