// Package swaggerui serves a docs page for an OpenAPI document: Swagger UI,
// which lists every operation and lets a reader try them, with every file
// it needs embedded in the program, so that the page works offline and
// loads nothing from a CDN.
//
// # Use
//
// Mount [Handler] at the page's path and everything under it:
//
//	docs := swaggerui.Handler("/docs", "/openapi.json", "Todo API")
//	mux.Handle("/docs", docs)
//	mux.Handle("/docs/", docs)
//
// The page is at /docs, /docs/ redirects to it, and the assets are under
// /docs/. The handler answers GET and HEAD, 405 to other methods and 404
// to other paths under the prefix.
//
// # Caching
//
// The page links each asset with a digest of its content in the query,
// /docs/swagger-ui-bundle.js?v=…, and only such a URL is served as
// immutable, cached for a year. The page itself, and an asset asked for
// without its current digest, is served with no-cache and an ETag, so an
// upgrade never meets a stale copy.
//
// # Security
//
// The page sets a Content-Security-Policy that lets it load scripts, styles
// and images from its own origin only (images also from data: URLs, which
// Swagger UI's stylesheet uses) and fetch from its own origin and the
// document's, with no 'unsafe-inline' and no 'unsafe-eval': a small
// embedded file, not an inline script, starts Swagger UI. So "Try it out"
// reaches the API only when the document's servers are on the page's
// origin, as they are for a document the app serves itself. The title and
// the document's URL are escaped by html/template.
//
// # Swagger UI
//
// dist/ holds the files of the npm package swagger-ui-dist, release
// [Version], as published, with their license (Apache-2.0); README.md says
// how to update them.
package swaggerui
