// Package docspage tests the docs page of package
// github.com/godanet/godanet/openapi/swaggerui in headless Chromium. It lives
// in the examples module so that chromedp stays out of godanet's own
// go.mod; its test serves the page and a small OpenAPI 3.1 document, opens
// the page, and checks that it lists and runs the document's operations
// with no console error and no Content-Security-Policy violation.
package docspage
