package core

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/labstack/echo/v4"
)

// errTrailingData is the error for a JSON body with more after its value.
var errTrailingData = errors.New("godanet: the JSON body has data after its value")

// strictJSON is the App's echo.JSONSerializer: echo's, except that a body
// must hold exactly one JSON value. echo's decoder stops after the first
// and ignores the rest, so `{"title":"a"}{"title":"b"}` or a value with
// garbage after it would pass as valid.
type strictJSON struct{ echo.DefaultJSONSerializer }

// Deserialize reads one JSON value into i and then requires the end of the
// body (white space aside).
func (strictJSON) Deserialize(c echo.Context, i any) error {
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(i); err != nil {
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
