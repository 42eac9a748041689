package core

import (
	"encoding/json"
	"errors"
	"io"
)

// errTrailingData is the error for a JSON body with more after its value.
var errTrailingData = errors.New("core: the JSON body has data after its value")

// decodeOne reads one JSON value from r into v and then requires the end
// of the body (white space aside). echo's decoder stops after the first
// value and ignores the rest, so `{"title":"a"}{"title":"b"}` or a value
// with garbage after it would pass as valid; the App's JSON serializer
// (strictJSON) reads bodies with this instead.
func decodeOne(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(v); err != nil {
		return err
	}
	switch _, err := dec.Token(); {
	case err == io.EOF:
		return nil
	case err == nil, isJSONSyntax(err):
		return errTrailingData
	default:
		return err // the body's own error: too large, too slow
	}
}

func isJSONSyntax(err error) bool {
	var syntax *json.SyntaxError
	return errors.As(err, &syntax)
}
