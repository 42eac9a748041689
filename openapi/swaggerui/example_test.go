package swaggerui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/godanet/godanet/openapi/swaggerui"
)

// Serve the docs page for the document at /openapi.json, and fetch the page
// and Swagger UI's script from it.
func Example() {
	docs := swaggerui.Handler("/docs", "/openapi.json", "Todo API")
	mux := http.NewServeMux()
	mux.Handle("/docs", docs)
	mux.Handle("/docs/", docs)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/docs", "/docs/swagger-ui-bundle.js"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
		fmt.Println(path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Output:
	// /docs 200 text/html; charset=utf-8
	// /docs/swagger-ui-bundle.js 200 text/javascript; charset=utf-8
}
